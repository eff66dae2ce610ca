"""Vectorised string building: numpy byte matrices and pyarrow compute, no Python loop per row."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def fixed_width(mat: np.ndarray) -> pa.StringArray:
    """An (n, w) uint8 matrix of ASCII bytes -> a pyarrow string array of n strings of width w."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, w = mat.shape
    offsets = np.arange(0, n * w + 1, w, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(mat.tobytes()))


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers -> (n, width) matrix of ASCII digits, zero-padded."""
    values = np.asarray(values, dtype=np.int64)
    out = np.empty((values.shape[0], width), dtype=np.uint8)
    v = values.copy()
    for col in range(width - 1, -1, -1):
        out[:, col] = DIGITS[v % 10]
        v //= 10
    return out


def zero_padded(values: np.ndarray, width: int) -> pa.StringArray:
    return fixed_width(digits(values, width))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation; str parts are broadcast as scalars."""
    arrays = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*arrays, "")


def take(values: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Strings of a small table picked by an index array (dictionary decode)."""
    return pa.array(list(values), pa.string()).take(pa.array(np.asarray(index, dtype=np.int32)))


def dictionary(values: list[str] | tuple[str, ...], index: np.ndarray, mask=None) -> pa.Array:
    """Like take() but returns plain strings with nulls where mask is True."""
    arr = take(values, index)
    if mask is not None:
        arr = pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, pa.string()), arr)
    return arr


def int_str(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())

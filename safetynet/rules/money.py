"""Exact money arithmetic: integer fen (分) and rational factors, never floats.

Rounding rule (documented in docs/rules.md): whenever a money amount is multiplied by a
ratio that is not an integer, the exact rational result is rounded **half up to the fen**
(half away from zero for negative amounts, which only occur in arrears/overpayment figures).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np

FEN_PER_YUAN = 100


def div_half_up(num: np.ndarray | int, den: int) -> np.ndarray | int:
    """Integer ``num / den`` rounded half up (half away from zero), ``den > 0``.

    Works on int64 arrays and Python ints with the same formula.
    """
    if den <= 0:
        raise ValueError("denominator must be positive")
    if isinstance(num, np.ndarray):
        sign = np.where(num < 0, -1, 1).astype(np.int64)
        mag = np.abs(num)
        return sign * ((2 * mag + den) // (2 * den))
    sign = -1 if num < 0 else 1
    return sign * ((2 * abs(num) + den) // (2 * den))


def mul_ratio(amount: np.ndarray | int, ratio: Fraction | int) -> np.ndarray | int:
    """``amount × ratio`` rounded half up to the fen (exact rational arithmetic)."""
    r = Fraction(ratio)
    if isinstance(amount, np.ndarray):
        a = amount.astype(np.int64, copy=False)
        if r == 0:
            return np.zeros_like(a)
        if r.denominator == 1:
            return a * r.numerator
        num = a * r.numerator
        if num.size and num.min() >= 0:  # fast path: no sign handling needed
            num *= 2
            num += r.denominator
            num //= 2 * r.denominator
            return num
        return div_half_up(num, r.denominator)
    return div_half_up(int(amount) * r.numerator, r.denominator)


def yuan(fen: int) -> str:
    """Display form: ``12345`` → ``"123.45"`` (yuan with two decimals)."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // FEN_PER_YUAN:,}.{fen % FEN_PER_YUAN:02d}"


def ratio_str(r: Fraction) -> str:
    """A ratio as a short decimal string when it is one, else ``num/den``."""
    r = Fraction(r)
    den = r.denominator
    k = 0
    while den % 2 == 0 or den % 5 == 0:
        if den % 2 == 0:
            den //= 2
        if den % 5 == 0:
            den //= 5
        k += 1
        if k > 12:
            break
    if den == 1:
        for digits in range(0, 13):
            scaled = r * 10**digits
            if scaled.denominator == 1:
                s = str(abs(scaled.numerator)).rjust(digits + 1, "0")
                out = s if digits == 0 else f"{s[:-digits]}.{s[-digits:]}"
                return ("-" if r < 0 else "") + out
    return f"{r.numerator}/{r.denominator}"


# Entered or exchanged amounts (forms, agencies' files) are yuan with at most two decimals.
MAX_YUAN = Decimal(10) ** 13  # far above any household's asset; keeps quantize in range


def yuan_to_fen(value) -> int:
    """Yuan (number or text, <= 2 decimals, >= 0) -> int fen exactly; else ValueError(code)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not_a_number")
    if isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))  # the shortest repr is what was typed (Excel keeps 15 digits)
    elif isinstance(value, Decimal):
        d = value
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        for sign in ("¥", "￥", "元"):
            text = text.replace(sign, "")
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError("not_a_number") from None
    if not d.is_finite():
        raise ValueError("not_a_number")
    if d < 0:
        raise ValueError("negative_amount")
    if d >= MAX_YUAN:
        raise ValueError("amount_too_large")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError("too_many_decimals")
    return int(d * 100)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))

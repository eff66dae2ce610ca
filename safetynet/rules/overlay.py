"""Approved parameter changes (参数调整) as an overlay on the shipped YAML tree (ADR 1400).

The YAML tree under ``parameters/`` is the legal baseline. The bureau's approved changes are
applied on top of it, in order of approval, to give the *effective* tree::

    effective = apply_overlay(load_shipped(), changes)          # every approved change
    as_known = apply_overlay(load_shipped(), changes, known_on=t)  # the tree as it stood at t

A change is one of three kinds:

- ``new_value`` (新标准): a new dated value, from a date after the parameter's latest value;
- ``confirmation`` (确认): confirms a ``default-to-confirm`` value at its own date, same value;
- ``correction`` (更正): replaces the value from its date (on or before the latest value's date).

Values are given in the parameter's unit. Money (unit ``fen``) is an ``int`` in fen, or a text
in yuan with at most two decimals ("850", "850.00", "850元") converted exactly; a float is
refused. Ratios are decimal texts; tables are JSON objects (text) or mappings of the same.

The rules package takes the overlay from a *source* (a callable returning the approved changes)
registered by the application (``set_overlay_source``): ``load_parameters`` then returns the
effective tree, so the engine, the trial calculation and the batch jobs all use it. No source
(the rules alone, a Spark executor) means the shipped tree.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from .parameters import (
    Parameter,
    ParameterError,
    ParameterSet,
    PValue,
    _check_shares,
    _key_str,
    _make_value,
    load_shipped,
)

CHANGE_KINDS = ("new_value", "confirmation", "correction")
# An entered price index (ADR 1430, ``safetynet.rules.indices``): data, not a proposal; it sets
# the month's value of a ``price_indices.*`` parameter whatever the latest date.
INDEX_KIND = "index_entry"
# The status an applied change gives its value: it is now the bureau's published rule.
APPLIED_STATUS = "published"
_YUAN_RE = re.compile(r"^\d+(\.\d{1,2})?$")


class OverlayError(ParameterError):
    """A change cannot be applied; ``field`` names the input (name, from, value, kind…)."""

    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Change:
    """One approved (or proposed) change, as the rules take it. Hashable: ``value`` is the raw
    input (int fen, or text); ``approved_at`` orders the overlay and answers "as known on"."""

    name: str
    effective: str  # ISO date (dated parameters) or YYYY-MM (monthly series)
    value: int | str | None
    kind: str
    reference: str
    id: int | None = None
    approved_at: dt.datetime | None = None


def _fen(raw: Any, field: str) -> int:
    if isinstance(raw, bool):
        raise OverlayError(field, f"{raw!r} is not an amount", "wrong_unit")
    if isinstance(raw, float):
        raise OverlayError(
            field, f"{raw!r} is a float; give money as integer fen or a yuan text", "float_money"
        )
    if isinstance(raw, int):
        if raw < 0:
            raise OverlayError(field, f"amount {raw} must not be negative", "negative_amount")
        return raw
    if not isinstance(raw, str):
        raise OverlayError(field, f"{raw!r} is not an amount", "wrong_unit")
    text = raw.strip().replace(",", "").replace("，", "")
    for sign in ("¥", "￥", "元"):
        text = text.replace(sign, "")
    if not _YUAN_RE.match(text):
        raise OverlayError(
            field,
            f"{raw!r} is not an amount in yuan with at most two decimals (e.g. 850 or 850.50)",
            "wrong_unit",
        )
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0") or 0)


def _scalar(unit: str, raw: Any, field: str) -> Any:
    """The raw input as the YAML loader wants it for ``unit`` (then validated by it)."""
    if unit == "fen":
        return _fen(raw, field)
    if isinstance(raw, float):
        raise OverlayError(field, f"{raw!r} is a float; give a decimal text", "float_value")
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if unit == "count":
        if not text.isdigit():
            raise OverlayError(field, f"{raw!r} is not a whole number", "wrong_unit")
        return int(text)
    if unit == "bool":
        if text.lower() not in ("true", "false"):
            raise OverlayError(field, f"{raw!r} must be true or false", "wrong_unit")
        return text.lower() == "true"
    if unit == "list":
        return [x.strip() for x in text.split(",") if x.strip()]
    if unit == "ratio" and text.endswith(("%", "％")):
        return _percent_text(text[:-1].strip(), raw, field)
    return text  # ratio (decimal text), code


_PERCENT_RE = re.compile(r"^\d+(\.\d+)?$")


def _percent_text(text: str, raw: Any, field: str) -> str:
    """'3.5' (per cent) → '0.035', exactly (decimal digits shifted, never a float)."""
    if not _PERCENT_RE.match(text):
        raise OverlayError(field, f"{raw!r} is not a percentage (e.g. 3.5%)", "wrong_unit")
    from decimal import Decimal

    return format(Decimal(text).scaleb(-2).normalize(), "f")


def parse_value(p: Parameter, raw: Any, field: str = "value") -> Any:
    """``raw`` converted to ``p``'s unit exactly, or OverlayError naming ``field``."""
    if raw is None or raw == "":
        raise OverlayError(field, "missing value", "required")
    if p.unit in ("fen_table", "ratio_table"):
        table = raw
        if isinstance(raw, str):
            try:
                table = json.loads(raw, parse_float=str)
            except json.JSONDecodeError:
                raise OverlayError(
                    field, f"{p.name} is a table: give a JSON object", "wrong_unit"
                ) from None
        if not isinstance(table, Mapping) or not table:
            raise OverlayError(field, f"{p.name} is a table: give a JSON object", "wrong_unit")
        inner = "fen" if p.unit == "fen_table" else "ratio"
        raw_entry = {str(k): _scalar(inner, v, f"{field}.{k}") for k, v in table.items()}
    else:
        raw_entry = _scalar(p.unit, raw, field)
    try:
        pv = _make_value(
            p.name,
            p.unit,
            p.description,
            "x",
            {"value": raw_entry, "reference": "-", "status": APPLIED_STATUS},
            "<change>",
            p.choices,
        )
    except ParameterError as e:
        msg = str(e).split("values.x.value", 1)[-1].lstrip(".: ") or str(e)
        raise OverlayError(field, f"{p.name} ({p.unit}): {msg}", "wrong_unit") from None
    return pv.value


def canonical_text(p: Parameter, value: Any) -> str:
    """A converted value as the text ``parse_value`` reads back to the same value (what the
    application stores): money in yuan with two decimals, ratios as decimal texts."""
    from .money import ratio_str, yuan

    def one(unit: str, v: Any) -> Any:
        if unit == "fen":
            return yuan(v).replace(",", "")
        if unit == "ratio":
            return ratio_str(v)
        return v

    if p.unit in ("fen_table", "ratio_table"):
        inner = "fen" if p.unit == "fen_table" else "ratio"
        return json.dumps({k: one(inner, v) for k, v in value.items()}, ensure_ascii=False)
    if p.unit == "bool":
        return "true" if value else "false"
    if p.unit == "list":
        return ",".join(value)
    return str(one(p.unit, value))


def _effective_key(p: Parameter, raw: Any) -> str:
    try:
        return _key_str(raw, p.kind, "<change>")
    except ParameterError:
        want = "a date YYYY-MM-DD" if p.kind == "dated" else "a month YYYY-MM"
        raise OverlayError("from", f"{raw!r} is not {want}", "bad_date") from None


def check_change(params: ParameterSet, change: Change) -> PValue:
    """Validate ``change`` against ``params`` (the tree it would apply to) and return the dated
    value it puts in; raises OverlayError naming the field and the reason."""
    if change.kind == INDEX_KIND:
        return _check_index_entry(params, change)
    if change.kind not in CHANGE_KINDS:
        raise OverlayError("kind", f"{change.kind!r} must be one of {list(CHANGE_KINDS)}")
    if change.name not in params:
        raise OverlayError("name", f"unknown parameter {change.name!r}", "unknown_parameter")
    if not (change.reference or "").strip():
        raise OverlayError(
            "reference", "give the legal reference (document number and date)", "required"
        )
    p = params.get(change.name)
    key = _effective_key(p, change.effective)
    existing = dict(zip(p.keys, p.values, strict=True))
    latest = p.keys[-1]
    if change.kind == "confirmation":
        old = existing.get(key)
        if old is None:
            raise OverlayError(
                "from", f"{p.name} has no value dated {key} to confirm", "nothing_to_confirm"
            )
        if old.status != "default-to-confirm":
            raise OverlayError(
                "from",
                f"{p.name} on {key} is {old.status}, not default-to-confirm: nothing to confirm",
                "not_to_confirm",
            )
        value = old.value
        if change.value not in (None, ""):
            value = parse_value(p, change.value)
            if value != old.value:
                raise OverlayError(
                    "value",
                    "a confirmation keeps the value; to change it, propose a correction",
                    "confirmation_changes_value",
                )
    else:
        value = parse_value(p, change.value)
        if change.kind == "new_value" and key <= latest:
            raise OverlayError(
                "from",
                f"{key} is not after the value in force from {latest} ({p.name}); "
                "a change of an existing period is a correction",
                "before_value_in_force",
            )
        if change.kind == "correction" and key > latest:
            raise OverlayError(
                "from",
                f"{key} is after {p.name}'s latest value ({latest}): that is a new dated value",
                "correction_after_latest",
            )
    if p.name.endswith(".funding"):
        try:
            _check_shares(replace(p, values=(replace(p.values[0], value=value),)))
        except ParameterError as e:
            msg = str(e).rsplit(": ", 1)[-1]
            raise OverlayError("value", f"{p.name}: {msg}", "wrong_unit") from None
    note = f"change #{change.id} ({change.kind})" if change.id is not None else change.kind
    return PValue(
        p.name, value, key, change.reference.strip(), APPLIED_STATUS, p.unit, p.description, note
    )


def _check_index_entry(params: ParameterSet, change: Change) -> PValue:
    if not change.name.startswith("price_indices.") or change.name not in params:
        raise OverlayError("name", f"{change.name!r} is not a price index", "unknown_parameter")
    p = params.get(change.name)
    key = _effective_key(p, change.effective)
    value = parse_value(p, change.value)
    note = f"index #{change.id}" if change.id is not None else "index"
    return PValue(
        p.name, value, key, change.reference.strip(), APPLIED_STATUS, p.unit, p.description, note
    )


def apply_change(params: ParameterSet, change: Change) -> ParameterSet:
    """``params`` with ``change`` applied (validated first)."""
    pv = check_change(params, change)
    p = params.get(change.name)
    merged = dict(zip(p.keys, p.values, strict=True))
    merged[pv.effective] = pv
    keys = tuple(sorted(merged))
    newp = replace(p, keys=keys, values=tuple(merged[k] for k in keys))
    return ParameterSet({**params.parameters, p.name: newp}, params.root, params.overrides)


def apply_overlay(
    base: ParameterSet,
    changes: Iterable[Change],
    *,
    known_on: dt.datetime | None = None,
) -> ParameterSet:
    """``base`` with every change applied in order of approval; with ``known_on``, only those
    approved by then (the tree as it stood at that moment, for audits and reruns)."""
    ordered = sorted(
        (c for c in changes if known_on is None or (c.approved_at and c.approved_at <= known_on)),
        key=lambda c: (c.approved_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id or 0),
    )
    params = base
    for c in ordered:
        try:
            params = apply_change(params, c)
        except OverlayError as e:
            raise OverlayError(e.field, f"change #{c.id} ({c.name}): {e.message}", e.code) from None
    return params


# --- the source the application registers --------------------------------------------------

_source: Callable[[], tuple[Change, ...]] | None = None


def set_overlay_source(source: Callable[[], tuple[Change, ...]] | None) -> None:
    """Register where the approved changes come from (the policy app does, at start-up)."""
    global _source
    _source = source


def overlay_source() -> Callable[[], tuple[Change, ...]] | None:
    return _source


def current_changes() -> tuple[Change, ...]:
    """The registered source's approved changes (none without a source). Batch jobs capture
    them on the driver and carry them to the executors, which have no source of their own."""
    return tuple(_source()) if _source is not None else ()


@functools.lru_cache(maxsize=16)
def _effective(changes: tuple[Change, ...]) -> ParameterSet:
    return apply_overlay(load_shipped(), changes)


def effective_parameters(changes: tuple[Change, ...] | None = None) -> ParameterSet:
    """The effective tree: the shipped one with ``changes`` (default: the registered source's)
    applied. Cached per distinct set of changes, so repeated calls cost a dict lookup."""
    if changes is None:
        changes = current_changes()
    if not changes:
        return load_shipped()
    return _effective(tuple(changes))

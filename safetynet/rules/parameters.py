"""Dated parameters (参数): a YAML tree mirroring the policy, loaded once, validated, cached.

Layout: ``safetynet/rules/parameters/<program>/<name>.yaml`` defines the parameter
``<program>.<name>``. Each file::

    description: Dibao standard (低保标准), per person per month
    unit: fen            # fen | ratio | count | code | bool | fen_table | ratio_table | list
    kind: dated          # dated (default): a value is in force from its date until the next one
                         # monthly_series: keys are YYYY-MM, a month without a key has no value
    values:
      2016-07-01: {value: 72000, reference: "...", status: published}

``status`` is one of ``seed`` (stated in the seed document), ``published`` (a published rule)
or ``default-to-confirm`` (a default the bureau must confirm). Ratios are written as quoted
decimal strings (``"1.5"``) and held as exact :class:`fractions.Fraction`; floats are refused.
Sub-directories named ``tests`` hold scenario tests, not parameters.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from .catalog import REQUIRED_PARAMETERS

PARAMETERS_DIR = Path(__file__).parent / "parameters"
STATUSES = ("seed", "published", "default-to-confirm")
UNITS = ("fen", "ratio", "count", "code", "bool", "fen_table", "ratio_table", "list")
KINDS = ("dated", "monthly_series")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so an impossible date is reported by key."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class ParameterError(ValueError):
    """A parameter file is invalid; the message names the file, the key and the problem."""


class MissingParameterValue(LookupError):
    """No value of a parameter is in force on the requested date."""


@dataclass(frozen=True)
class PValue:
    """One dated value of a parameter, with its provenance."""

    name: str
    value: Any
    effective: str  # ISO date (dated) or YYYY-MM (monthly series)
    reference: str
    status: str
    unit: str
    description: str = ""
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    kind: str
    source: str
    keys: tuple[str, ...]  # sorted ISO dates or YYYY-MM strings
    values: tuple[PValue, ...]
    choices: tuple[str, ...] = ()

    def at(self, on: dt.date) -> PValue:
        """The value in force on ``on`` (dated parameters)."""
        if self.kind != "dated":
            raise MissingParameterValue(f"{self.name} is a monthly series; use month()")
        i = bisect.bisect_right(self.keys, on.isoformat())
        if i == 0:
            raise MissingParameterValue(
                f"{self.name}: no value in force on {on.isoformat()} (first value {self.keys[0]})"
            )
        return self.values[i - 1]

    def month(self, ym: str) -> PValue | None:
        """The value for exactly month ``ym`` (monthly series), or None if there is none."""
        if self.kind != "monthly_series":
            raise MissingParameterValue(f"{self.name} is dated; use at()")
        i = bisect.bisect_left(self.keys, ym)
        if i < len(self.keys) and self.keys[i] == ym:
            return self.values[i]
        return None


@dataclass(frozen=True)
class ParameterSet:
    """All parameters, by dotted name. Immutable; ``with_values`` returns a modified copy."""

    parameters: Mapping[str, Parameter]
    root: str = ""
    overrides: tuple[str, ...] = field(default=())

    def __contains__(self, name: str) -> bool:
        return name in self.parameters

    def names(self) -> list[str]:
        return sorted(self.parameters)

    def get(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise MissingParameterValue(f"unknown parameter {name!r}") from None

    def at(self, name: str, on: dt.date) -> PValue:
        return self.get(name).at(on)

    def with_values(
        self,
        name: str,
        values: Mapping[Any, Any],
        *,
        reference: str = "override",
        status: str = "default-to-confirm",
    ) -> ParameterSet:
        """A copy where ``name`` gets extra/replaced dated values (for retroactive runs, tests).

        ``values`` maps a date (``date`` or ISO string; ``YYYY-MM`` for series) to either a bare
        value or a mapping with ``value``/``reference``/``status``.
        """
        p = self.get(name)
        merged: dict[str, PValue] = dict(zip(p.keys, p.values, strict=True))
        src = f"<override of {name}>"
        for k, v in values.items():
            key = _key_str(k, p.kind, src)
            entry = dict(v) if isinstance(v, Mapping) and "value" in v else {"value": v}
            entry.setdefault("reference", reference)
            entry.setdefault("status", status)
            merged[key] = _make_value(p.name, p.unit, p.description, key, entry, src, p.choices)
        keys = tuple(sorted(merged))
        newp = replace(p, keys=keys, values=tuple(merged[k] for k in keys))
        params = dict(self.parameters)
        params[name] = newp
        return ParameterSet(params, self.root, (*self.overrides, name))

    def describe(self) -> list[dict[str, Any]]:
        """Every parameter with its dated values and references (JSON-ready)."""
        out = []
        for name in self.names():
            p = self.parameters[name]
            out.append(
                {
                    "name": name,
                    "description": p.description,
                    "unit": p.unit,
                    "kind": p.kind,
                    "source": p.source,
                    "values": [
                        {
                            "effective": v.effective,
                            "value": _jsonable(v.value),
                            "reference": v.reference,
                            "status": v.status,
                            **({"note": v.note} if v.note else {}),
                        }
                        for v in p.values
                    ],
                }
            )
        return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, Fraction):
        from .money import ratio_str

        return ratio_str(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, tuple | list):
        return [_jsonable(x) for x in v]
    return v


def _fail(src: str, key: str, problem: str) -> ParameterError:
    return ParameterError(f"{src}: {key}: {problem}")


def _key_str(k: Any, kind: str, src: str) -> str:
    if kind == "dated":
        if isinstance(k, dt.datetime):
            k = k.date()
        if isinstance(k, dt.date):
            return k.isoformat()
        if isinstance(k, str):
            try:
                return dt.date.fromisoformat(k).isoformat()
            except ValueError:
                pass
        raise _fail(src, f"values.{k}", "a dated key must be a date YYYY-MM-DD")
    k = str(k)
    if not _MONTH_RE.match(k):
        raise _fail(src, f"values.{k}", "a monthly series key must be a month YYYY-MM")
    return k


def _ratio(v: Any, src: str, key: str) -> Fraction:
    if isinstance(v, bool | float):
        raise _fail(src, key, f"ratio {v!r} must be an int or a quoted decimal string (no floats)")
    if isinstance(v, int):
        r = Fraction(v)
    elif isinstance(v, str):
        try:
            r = Fraction(Decimal(v.strip())) if "/" not in v else Fraction(v.strip())
        except (InvalidOperation, ValueError, ZeroDivisionError):
            raise _fail(src, key, f"ratio {v!r} is not a decimal number") from None
    else:
        raise _fail(src, key, f"ratio {v!r} must be an int or a quoted decimal string")
    if r < 0:
        raise _fail(src, key, f"ratio {v!r} is negative")
    return r


def _int(v: Any, src: str, key: str, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _fail(src, key, f"{what} must be an integer, got {v!r}")
    if v < 0:
        raise _fail(src, key, f"{what} must not be negative, got {v!r}")
    return v


def _convert(unit: str, v: Any, src: str, key: str, choices: tuple[str, ...]) -> Any:
    if unit == "fen":
        return _int(v, src, key, "an amount in fen")
    if unit == "count":
        return _int(v, src, key, "a count")
    if unit == "ratio":
        return _ratio(v, src, key)
    if unit == "bool":
        if not isinstance(v, bool):
            raise _fail(src, key, f"expected true/false, got {v!r}")
        return v
    if unit == "code":
        if not isinstance(v, str) or not v:
            raise _fail(src, key, f"expected a non-empty string code, got {v!r}")
        if choices and v not in choices:
            raise _fail(src, key, f"{v!r} is not one of {list(choices)}")
        return v
    if unit == "list":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise _fail(src, key, f"expected a list of strings, got {v!r}")
        return tuple(v)
    if unit in ("fen_table", "ratio_table"):
        if not isinstance(v, dict) or not v:
            raise _fail(src, key, f"expected a non-empty mapping, got {v!r}")
        out = {}
        for name, x in v.items():
            if unit == "fen_table":
                out[str(name)] = _int(x, src, f"{key}.{name}", "an amount in fen")
            else:
                out[str(name)] = _ratio(x, src, f"{key}.{name}")
        return out
    raise _fail(src, "unit", f"unknown unit {unit!r}; expected one of {list(UNITS)}")


def _make_value(
    name: str,
    unit: str,
    description: str,
    key: str,
    entry: Any,
    src: str,
    choices: tuple[str, ...],
) -> PValue:
    k = f"values.{key}"
    if not isinstance(entry, Mapping):
        raise _fail(src, k, "each value must be a mapping {value, reference, status}")
    unknown = set(entry) - {"value", "reference", "status", "note"}
    if unknown:
        raise _fail(src, k, f"unknown field(s) {sorted(unknown)}")
    if "value" not in entry:
        raise _fail(src, k, "missing 'value'")
    ref = entry.get("reference")
    if not isinstance(ref, str) or not ref.strip():
        raise _fail(src, k, "missing or empty 'reference' (document number, article)")
    status = entry.get("status")
    if status not in STATUSES:
        raise _fail(src, k, f"status {status!r} must be one of {list(STATUSES)}")
    value = _convert(unit, entry["value"], src, f"{k}.value", choices)
    return PValue(name, value, key, ref.strip(), status, unit, description, entry.get("note", ""))


def load_file(path: Path, name: str) -> Parameter:
    """Load and validate one parameter file."""
    src = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as e:
        raise _fail(src, "<yaml>", f"not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise _fail(src, "<root>", "the file must be a mapping with description, unit, values")
    unknown = set(data) - {"description", "unit", "kind", "values", "choices", "notes"}
    if unknown:
        raise _fail(src, "<root>", f"unknown key(s) {sorted(unknown)}")
    desc = data.get("description")
    if not isinstance(desc, str) or not desc.strip():
        raise _fail(src, "description", "missing or empty")
    unit = data.get("unit")
    if unit not in UNITS:
        raise _fail(src, "unit", f"{unit!r} must be one of {list(UNITS)}")
    kind = data.get("kind", "dated")
    if kind not in KINDS:
        raise _fail(src, "kind", f"{kind!r} must be one of {list(KINDS)}")
    choices = data.get("choices") or ()
    if choices and (not isinstance(choices, list) or unit != "code"):
        raise _fail(src, "choices", "choices is a list, only for unit: code")
    choices = tuple(choices)
    values = data.get("values")
    if not isinstance(values, dict) or not values:
        raise _fail(src, "values", "missing or empty; give at least one dated value")
    entries: dict[str, PValue] = {}
    for k, entry in values.items():
        key = _key_str(k, kind, src)
        if key in entries:
            raise _fail(src, f"values.{key}", "duplicate date")
        entries[key] = _make_value(name, unit, desc.strip(), key, entry, src, choices)
    keys = tuple(sorted(entries))
    return Parameter(
        name, desc.strip(), unit, kind, src, keys, tuple(entries[k] for k in keys), choices
    )


def _iter_files(root: Path) -> Iterable[tuple[str, Path]]:
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root)
        if "tests" in rel.parts[:-1]:
            continue
        yield ".".join((*rel.parts[:-1], rel.stem)), path


def load_tree(root: Path | str = PARAMETERS_DIR) -> ParameterSet:
    """Load and validate every parameter file under ``root`` (not cached)."""
    root = Path(root)
    if not root.is_dir():
        raise ParameterError(f"{root}: <dir>: parameter directory does not exist")
    params = {name: load_file(path, name) for name, path in _iter_files(root)}
    if not params:
        raise ParameterError(f"{root}: <dir>: no parameter files found")
    if root == PARAMETERS_DIR:
        missing = sorted(set(REQUIRED_PARAMETERS) - set(params))
        if missing:
            raise ParameterError(f"{root}: <tree>: required parameter file(s) missing: {missing}")
        for name, unit in REQUIRED_PARAMETERS.items():
            if params[name].unit != unit:
                raise ParameterError(
                    f"{params[name].source}: unit: {name} must have unit {unit!r}, "
                    f"found {params[name].unit!r}"
                )
    for name, p in params.items():
        if name.endswith(".funding"):
            _check_shares(p)
    return ParameterSet(params, str(root))


def _check_shares(p: Parameter) -> None:
    """A funding split names only city/district/street and its shares add up to exactly 1."""
    for v in p.values:
        if p.unit != "ratio_table":
            raise _fail(p.source, "unit", "a funding split must have unit ratio_table")
        extra = set(v.value) - {"city", "district", "street"}
        if extra:
            raise _fail(
                p.source, f"values.{v.effective}.value", f"unknown payer(s) {sorted(extra)}"
            )
        total = sum(v.value.values())
        if total != 1:
            raise _fail(p.source, f"values.{v.effective}.value", f"shares add up to {total}, not 1")


@functools.cache
def load_shipped() -> ParameterSet:
    """The shipped parameter tree (the legal baseline), loaded once per process and cached."""
    return load_tree(PARAMETERS_DIR)


def load_parameters() -> ParameterSet:
    """The effective tree: the shipped one with the bureau's approved changes applied (ADR 1400).

    Without a registered overlay source (the rules alone) it is the shipped tree."""
    from .overlay import effective_parameters

    return effective_parameters()

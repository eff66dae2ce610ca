"""The engine: program registry, evaluation context, results and traces.

A program is a function ``(batch, ctx, results) -> ProgramResult`` written with numpy
over whole columns. The same function answers one household (a 1-household batch with a
recording :class:`Trace`) and millions (no trace; the recording calls are no-ops).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .batch import Batch
from .money import mul_ratio, ratio_str, yuan
from .parameters import ParameterSet, PValue, load_parameters

# ----- reason codes ----------------------------------------------------------------------
REASONS: list[str] = []
_REASON_INDEX: dict[str, int] = {}


def reason(name: str) -> int:
    """The integer code of a reason (registered on first use; codes are stable per process)."""
    if name not in _REASON_INDEX:
        _REASON_INDEX[name] = len(REASONS)
        REASONS.append(name)
    return _REASON_INDEX[name]


ELIGIBLE = reason("ELIGIBLE")


def reason_name(code: int) -> str:
    return REASONS[int(code)]


def select_reason(
    fails: Iterable[tuple[np.ndarray, str]], n: int, default: str = "ELIGIBLE"
) -> np.ndarray:
    """First failing condition's reason (priority order), else ``default``."""
    out = np.full(n, reason(default), dtype=np.int16)
    # iterate in reverse so that earlier conditions overwrite later ones
    for mask, name in reversed(list(fails)):
        out[mask] = reason(name)
    return out


# ----- trace -----------------------------------------------------------------------------
@dataclass
class Trace:
    """What one household's calculation used: parameters and intermediate figures."""

    sections: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)

    def section(self, program: str) -> dict[str, list[dict[str, Any]]]:
        return self.sections.setdefault(program, {"parameters": [], "figures": []})

    def as_dict(self) -> dict[str, Any]:
        return {
            prog: {**sec, "text": _trace_text(prog, sec)} for prog, sec in self.sections.items()
        }


def _fmt(value: Any, unit: str) -> str:
    if value is None:
        return "no value"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v, unit) for v in value) + "]"
    if unit == "fen":
        return f"{yuan(value)} yuan"
    if unit in ("ratio", "ratio_table") and isinstance(value, Fraction):
        return ratio_str(value)
    if isinstance(value, dict):
        return ", ".join(
            f"{k}: {_fmt(v, 'fen' if unit == 'fen_table' else 'ratio')}" for k, v in value.items()
        )
    return str(value)


def _trace_text(program: str, sec: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = [f"[{program}]"]
    for p in sec["parameters"]:
        lines.append(
            f"  parameter {p['name']} = {p['display']} (in force from {p['effective']}; "
            f"{p['reference']}; status {p['status']})"
        )
    for f in sec["figures"]:
        lines.append(f"  {f['label']} = {f['display']}")
    return lines


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Fraction):
        return ratio_str(v)
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


class Ctx:
    """Evaluation context for one program on one batch: parameter lookups and trace records."""

    def __init__(self, params: ParameterSet, batch: Batch, trace: Trace | None = None):
        self.params = params
        self.batch = batch
        self.trace = trace
        self.program = ""
        self._sec: dict[str, list[dict[str, Any]]] | None = None

    @property
    def tracing(self) -> bool:
        return self.trace is not None

    def begin(self, program: str) -> None:
        self.program = program
        self._sec = self.trace.section(program) if self.trace is not None else None

    def _record_param(self, pv: PValue, display: str | None = None) -> None:
        if self._sec is not None:
            names = [p["name"] for p in self._sec["parameters"]]
            if pv.name in names:
                return
            self._sec["parameters"].append(
                {
                    "name": pv.name,
                    "description": pv.description,
                    "value": _plain(pv.value),
                    "display": display or _fmt(pv.value, pv.unit),
                    "effective": pv.effective,
                    "reference": pv.reference,
                    "status": pv.status,
                }
            )

    def pv(self, name: str) -> PValue:
        """The dated value in force on the first day of the batch month (recorded)."""
        v = self.params.at(name, self.batch.date)
        self._record_param(v)
        return v

    def p(self, name: str) -> Any:
        return self.pv(name).value

    def pv_on(self, name: str, on: Any) -> PValue:
        v = self.params.at(name, on)
        self._record_param(v)
        return v

    def series(self, name: str) -> PValue | None:
        """A monthly-series value for exactly the batch month, or None (recorded)."""
        v = self.params.get(name).month(self.batch.month)
        if v is not None:
            self._record_param(v)
        elif self._sec is not None:
            self._sec["figures"].append(
                {"label": f"{name} for {self.batch.month}", "value": None, "display": "no data"}
            )
        return v

    def hfig(self, label: str, arr: Any, unit: str = "fen") -> Any:
        """Record a household-level figure (of the first household) and return it unchanged."""
        if self._sec is not None:
            v = arr[0] if isinstance(arr, np.ndarray) and arr.ndim else arr
            self._fig(label, _plain(v), unit)
        return arr

    def pfig(self, label: str, arr: Any, unit: str = "fen") -> Any:
        """Record a person-level figure (one value per person) and return it unchanged."""
        if self._sec is not None:
            self._fig(label, _plain(arr), unit)
        return arr

    def fig(self, label: str, value: Any, unit: str = "fen") -> Any:
        """Record a scalar figure."""
        if self._sec is not None:
            self._fig(label, _plain(value), unit)
        return value

    def _fig(self, label: str, value: Any, unit: str) -> None:
        if unit == "code" and isinstance(value, list):
            display = str(value)
        elif unit == "reason":
            display = (
                str([reason_name(v) for v in value])
                if isinstance(value, list)
                else reason_name(value)
            )
        else:
            display = _fmt(value, unit)
        assert self._sec is not None
        self._sec["figures"].append({"label": label, "value": value, "display": display})


# ----- results ---------------------------------------------------------------------------
@dataclass
class ProgramResult:
    """One program's result for every household (and person, for personal benefits)."""

    program: str
    level: str  # "household" or "person"
    eligible: np.ndarray  # bool per household
    amount: np.ndarray  # int64 fen per household
    city: np.ndarray
    district: np.ndarray
    street: np.ndarray
    reason: np.ndarray  # int16 per household
    p_eligible: np.ndarray | None = None
    p_amount: np.ndarray | None = None
    p_reason: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # household-level extras
    p_extra: dict[str, np.ndarray] = field(default_factory=dict)  # person-level extras


def split_funding(
    ctx: Ctx, amount: np.ndarray, param: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split amounts by shares {city, district, street} with cumulative rounding: city =
    amount × city share and city + district = amount × (city + district shares), each rounded
    half up to the fen; the street/town gets the rest. Parts are never negative and always
    add up to the amount exactly."""
    shares = ctx.p(param)
    cs = shares.get("city", Fraction(0))
    city = mul_ratio(amount, cs)
    city_district = mul_ratio(amount, cs + shares.get("district", Fraction(0)))
    return city, city_district - city, amount - city_district


def household_result(
    ctx: Ctx,
    b: Batch,
    eligible: np.ndarray,
    amount: np.ndarray,
    reasons: np.ndarray,
    funding_param: str | None,
    extra: dict[str, np.ndarray] | None = None,
    split: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> ProgramResult:
    amount = np.where(eligible, amount, 0).astype(np.int64)
    if split is None:
        if funding_param is None:
            z = np.zeros(b.n_households, dtype=np.int64)
            split = (z, z, z)
        else:
            split = split_funding(ctx, amount, funding_param)
    ctx.hfig("eligible", eligible, "bool")
    ctx.hfig("amount paid", amount)
    ctx.hfig("reason", reasons, "reason")
    return ProgramResult(
        ctx.program, "household", eligible, amount, *split, reasons, extra=extra or {}
    )


def person_result(
    ctx: Ctx,
    b: Batch,
    eligible_p: np.ndarray,
    amount_p: np.ndarray,
    reasons_p: np.ndarray,
    funding_param: str | None,
    p_extra: dict[str, np.ndarray] | None = None,
    split_p: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> ProgramResult:
    amount_p = np.where(eligible_p, amount_p, 0).astype(np.int64)
    if split_p is None:
        split_p = (
            split_funding(ctx, amount_p, funding_param)
            if funding_param
            else (np.zeros_like(amount_p),) * 3
        )
    ctx.pfig("eligible (per person)", eligible_p, "bool")
    ctx.pfig("amount paid (per person)", amount_p)
    ctx.pfig("reason (per person)", reasons_p, "reason")
    n_elig = b.hh_sum(eligible_p)
    eligible = n_elig > 0
    amount = b.hh_sum(amount_p)
    hreason = np.where(eligible, ELIGIBLE, reason("NO_ELIGIBLE_MEMBER")).astype(np.int16)
    ctx.hfig("household amount (sum of persons)", amount)
    return ProgramResult(
        ctx.program,
        "person",
        eligible,
        amount,
        b.hh_sum(split_p[0]),
        b.hh_sum(split_p[1]),
        b.hh_sum(split_p[2]),
        hreason,
        eligible_p,
        amount_p,
        reasons_p,
        p_extra=p_extra or {},
    )


ProgramFn = Callable[[Batch, Ctx, dict[str, ProgramResult]], ProgramResult]


@dataclass(frozen=True)
class Program:
    name: str
    title: str  # English with the Chinese term
    level: str
    fn: ProgramFn
    needs: tuple[str, ...] = ()


PROGRAMS: dict[str, Program] = {}


def program(name: str, title: str, level: str, needs: tuple[str, ...] = ()) -> Callable:
    def deco(fn: ProgramFn) -> ProgramFn:
        PROGRAMS[name] = Program(name, title, level, fn, needs)
        return fn

    return deco


def _order(names: Iterable[str]) -> list[str]:
    """Requested programs plus their dependencies, dependencies first."""
    out: list[str] = []

    def visit(n: str) -> None:
        if n in out:
            return
        for d in PROGRAMS[n].needs:
            visit(d)
        out.append(n)

    for n in names:
        visit(n)
    return out


CHUNK_PERSONS = 262_144


def _run_one(
    batch: Batch, names: list[str], params: ParameterSet, trace: Trace | None
) -> dict[str, ProgramResult]:
    ctx = Ctx(params, batch, trace)
    results: dict[str, ProgramResult] = {}
    for n in names:
        ctx.begin(n)
        results[n] = PROGRAMS[n].fn(batch, ctx, results)
    return results


_H_FIELDS = ("eligible", "amount", "city", "district", "street", "reason")
_P_FIELDS = ("p_eligible", "p_amount", "p_reason")


def run_batch(
    batch: Batch,
    programs: Iterable[str] | None = None,
    params: ParameterSet | None = None,
    trace: Trace | None = None,
    chunk_persons: int = CHUNK_PERSONS,
) -> dict[str, ProgramResult]:
    """Run programs (default: all, with their dependencies) on a batch for its month.

    Large batches are processed in chunks of whole households (about ``chunk_persons``
    persons each): every program is a per-household formula, so chunking changes nothing in
    the results, and small working arrays stay in cache and reuse memory.
    """
    from . import programs as _programs  # noqa: F401  (registers the programs)

    params = params or load_parameters()
    names = list(PROGRAMS) if programs is None else list(programs)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        raise KeyError(f"unknown program(s) {unknown}; known: {sorted(PROGRAMS)}")
    order = _order(names)
    if trace is not None or batch.n_persons <= chunk_persons:
        return _run_one(batch, order, params, trace)
    out: dict[str, ProgramResult] = {}
    bounds = batch.bounds
    for first, last in batch.chunks(chunk_persons):
        part = _run_one(batch.household_slice(first, last), order, params, None)
        lo, hi = int(bounds[first]), int(bounds[last])
        for n, r in part.items():
            if n not in out:
                out[n] = _allocate_like(r, batch.n_households, batch.n_persons)
            o = out[n]
            for f in _H_FIELDS:
                getattr(o, f)[first:last] = getattr(r, f)
            for k, v in r.extra.items():
                o.extra[k][first:last] = v
            if r.level == "person":
                for f in _P_FIELDS:
                    getattr(o, f)[lo:hi] = getattr(r, f)
                for k, v in r.p_extra.items():
                    o.p_extra[k][lo:hi] = v
    return out


def _allocate_like(r: ProgramResult, n_h: int, n_p: int) -> ProgramResult:
    def h(a: np.ndarray) -> np.ndarray:
        return np.empty(n_h, dtype=a.dtype)

    def p(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else np.empty(n_p, dtype=a.dtype)

    return ProgramResult(
        r.program,
        r.level,
        *(h(getattr(r, f)) for f in _H_FIELDS),
        *(p(getattr(r, f)) for f in _P_FIELDS),
        extra={k: h(v) for k, v in r.extra.items()},
        p_extra={k: np.empty(n_p, dtype=v.dtype) for k, v in r.p_extra.items()},
    )

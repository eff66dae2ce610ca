"""The engine: program registry, evaluation context, results and traces.

A program is a function ``(batch, ctx, results) -> ProgramResult`` written with numpy
over whole columns. The same function answers one household (a 1-household batch with a
recording :class:`Trace`) and millions (no trace; the recording calls are no-ops).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .batch import Batch
from .catalog import CATALOG
from .money import mul_ratio, ratio_str, yuan
from .parameters import ParameterSet, PValue, load_parameters

# ----- reason codes ----------------------------------------------------------------------
REASONS: list[str] = []
_REASON_INDEX: dict[str, int] = {}
_REASON_LOCK = threading.Lock()  # run_batch runs chunks on two threads


def reason(name: str) -> int:
    """The integer code of a reason (registered on first use; codes are stable per process,
    not across processes: output files carry reason names, see writers.py)."""
    code = _REASON_INDEX.get(name)
    if code is None:
        with _REASON_LOCK:
            code = _REASON_INDEX.get(name)
            if code is None:
                code = _REASON_INDEX[name] = len(REASONS)
                REASONS.append(name)
    return code


ELIGIBLE = reason("ELIGIBLE")


def reason_name(code: int) -> str:
    return REASONS[int(code)]


def select_reason(
    fails: Iterable[tuple[np.ndarray, str]], n: int, default: str = "ELIGIBLE"
) -> np.ndarray:
    """First failing condition's reason (priority order), else ``default``.

    The conditions are packed as bits of one small integer per row (condition i → bit i) and
    a lookup table maps each bit pattern to the reason of its lowest set bit: two cheap
    operations per condition on one byte per row, and one gather.
    """
    fails = list(fails)
    codes = (reason(default), *(reason(name) for _, name in fails))
    k = len(fails)
    if k > 16:  # not used by any program; the plain way
        out = np.full(n, codes[0], dtype=np.int16)
        for (mask, _), code in reversed(list(zip(fails, codes[1:], strict=True))):
            out[np.asarray(mask)] = code
        return out
    dtype = np.uint8 if k <= 8 else np.uint16
    bits = np.zeros(n, dtype=dtype)
    term = np.empty(n, dtype=dtype)
    for i, (mask, _) in enumerate(fails):
        m = np.asarray(mask)
        weight = dtype(1 << i)
        if m.ndim == 0:
            if m:
                bits |= weight
            continue
        if dtype is np.uint8 and m.dtype == np.bool_:
            m = m.view(np.uint8)
        np.multiply(m, weight, out=term, casting="unsafe")  # SIMD; a shift of uint8 is not
        bits |= term
    return np.take(_reason_table(codes), bits)


_REASON_TABLES: dict[tuple[int, ...], np.ndarray] = {}


def _reason_table(codes: tuple[int, ...]) -> np.ndarray:
    """Bit pattern → reason code of its lowest set bit (``codes[0]`` for no bit)."""
    table = _REASON_TABLES.get(codes)
    if table is None:
        k = len(codes) - 1
        v = np.arange(1 << k, dtype=np.int64)
        lowest = np.zeros(1 << k, dtype=np.int64)
        low = v & -v
        lowest[1:] = np.log2(low[1:]).astype(np.int64) + 1
        table = np.array(codes, dtype=np.int16)[lowest]
        _REASON_TABLES[codes] = table
    return table


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
    """Evaluation context for one program on one batch: parameter lookups, trace records and
    named figures.

    Named figures (``figures=True``) are the program's intermediate results under stable names
    (``counted_income_fen``, ``income_ok``, ``financial_asset_limit_fen``…, docs/rules.md
    "Named figures"), returned in :class:`ProgramResult` for every household or person: callers
    (the verification report and batch) read them instead of parsing the trace's labels."""

    def __init__(
        self,
        params: ParameterSet,
        batch: Batch,
        trace: Trace | None = None,
        figures: bool = False,
    ):
        self.params = params
        self.batch = batch
        self.trace = trace
        self.figures = figures or trace is not None
        self.program = ""
        self._sec: dict[str, list[dict[str, Any]]] | None = None
        self._h_figs: dict[str, np.ndarray] = {}
        self._p_figs: dict[str, np.ndarray] = {}
        self._values: dict[str, Any] = {}

    @property
    def tracing(self) -> bool:
        return self.trace is not None

    def begin(self, program: str) -> None:
        self.program = program
        self._sec = self.trace.section(program) if self.trace is not None else None
        self._h_figs, self._p_figs, self._values = {}, {}, {}

    def named(self, name: str, arr: Any) -> Any:
        """A household-level named figure (one value per household); returned unchanged."""
        if self.figures:
            a = np.asarray(arr)
            if a.ndim == 0:
                a = np.full(self.batch.n_households, a)
            self._h_figs[name] = a
        return arr

    def pnamed(self, name: str, arr: Any) -> Any:
        """A person-level named figure (one value per person); returned unchanged."""
        if self.figures:
            a = np.asarray(arr)
            if a.ndim == 0:
                a = np.full(self.batch.n_persons, a)
            self._p_figs[name] = a
        return arr

    def value(self, name: str, v: Any) -> Any:
        """A named scalar of the month (a line, a limit's parameter); returned unchanged."""
        if self.figures:
            self._values[name] = _plain(v)
        return v

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
        self._sec["figures"].append(
            {"label": label, "value": value, "display": display, "unit": unit}
        )


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
    # personal benefits: each person's city and district parts of p_amount (the street/town's
    # part is the rest), so a payment line per person carries the program's own split
    p_city: np.ndarray | None = None
    p_district: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # household-level extras
    p_extra: dict[str, np.ndarray] = field(default_factory=dict)  # person-level extras
    # named figures (run with figures=True, or traced): per household, per person, scalars
    figures: dict[str, np.ndarray] = field(default_factory=dict)
    p_figures: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def split_funding(
    ctx: Ctx, amount: np.ndarray, param: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split amounts by shares {city, district, street} with cumulative rounding: city =
    amount × city share and city + district = amount × (city + district shares), each rounded
    half up to the fen; the street/town gets the rest. Parts are never negative and always
    add up to the amount exactly."""
    return split_by_shares(amount, ctx.p(param))


def split_by_shares(amount: Any, shares: Mapping[str, Fraction]) -> tuple[Any, Any, Any]:
    """``split_funding`` for given shares (a funding parameter's value): also what a payment of a
    decided one-off amount (a grant) uses, so every split is this one rounding."""
    cs = shares.get("city", Fraction(0))
    city = mul_ratio(amount, cs)
    city_district = mul_ratio(amount, cs + shares.get("district", Fraction(0)))
    return city, city_district - city, amount - city_district


def _sparse(mask: np.ndarray) -> np.ndarray | None:
    """Indices of a mask's true rows when they are few (sums over them are then cheaper
    than over every row), else None."""
    if mask.shape[0] < 64:
        return None
    count = int(np.count_nonzero(mask))
    return np.flatnonzero(mask) if count * 16 < mask.shape[0] else None


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
    amount = np.multiply(amount, eligible, dtype=np.int64)
    if split is None:
        if funding_param is None:
            z = np.zeros(b.n_households, dtype=np.int64)
            split = (z, z, z)
        elif (idx := _sparse(eligible)) is not None:
            # amounts are 0 outside `eligible`, and so are their parts
            parts = split_funding(ctx, amount[idx], funding_param)
            split = tuple(_scatter(b.n_households, idx, x) for x in parts)  # type: ignore[assignment]
        else:
            split = split_funding(ctx, amount, funding_param)
    ctx.hfig("eligible", eligible, "bool")
    ctx.hfig("amount paid", amount)
    ctx.hfig("reason", reasons, "reason")
    return ProgramResult(
        ctx.program,
        "household",
        eligible,
        amount,
        *split,
        reasons,
        extra=extra or {},
        figures=ctx._h_figs,
        p_figures=ctx._p_figs,
        values=ctx._values,
    )


def _scatter(n: int, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=np.int64)
    out[idx] = values
    return out


@dataclass(frozen=True)
class SparseSplit:
    """A program's own funding split of the amounts of persons ``idx`` (0 for the others)."""

    idx: np.ndarray
    city: np.ndarray
    district: np.ndarray
    street: np.ndarray


def person_result(
    ctx: Ctx,
    b: Batch,
    eligible_p: np.ndarray,
    amount_p: np.ndarray,
    reasons_p: np.ndarray,
    funding_param: str | None,
    p_extra: dict[str, np.ndarray] | None = None,
    split_p: tuple[np.ndarray, np.ndarray, np.ndarray] | SparseSplit | None = None,
    paid: bool = False,
) -> ProgramResult:
    """A personal benefit's result; the household figures are sums over its persons.
    ``split_p`` (a program's own funding split) must be 0 where ``eligible_p`` is false.
    With ``paid``, ``amount_p`` is already 0 where ``eligible_p`` is false."""
    if isinstance(split_p, SparseSplit):
        rows = b.hh[split_p.idx]

        def at(x: np.ndarray) -> np.ndarray:
            out = np.zeros(b.n_households, dtype=np.int64)
            np.add.at(out, rows, x)
            return out

        split_h = (at(split_p.city), at(split_p.district), at(split_p.street))
        r = person_result(ctx, b, eligible_p, amount_p, reasons_p, None, p_extra, paid=paid)
        r.city, r.district, r.street = split_h
        r.p_city = _scatter(b.n_persons, split_p.idx, split_p.city)
        r.p_district = _scatter(b.n_persons, split_p.idx, split_p.district)
        return r
    if not paid:
        amount_p = np.multiply(amount_p, eligible_p, dtype=np.int64)
    ctx.pfig("eligible (per person)", eligible_p, "bool")
    ctx.pfig("amount paid (per person)", amount_p)
    ctx.pfig("reason (per person)", reasons_p, "reason")
    n_h = b.n_households
    idx = _sparse(eligible_p)
    if idx is not None:  # few eligible persons: add up just them
        rows = b.hh[idx]
        eligible = np.zeros(n_h, dtype=bool)
        eligible[rows] = True

        def total(x: np.ndarray) -> np.ndarray:
            out = np.zeros(n_h, dtype=np.int64)
            np.add.at(out, rows, x)
            return out

        paid = amount_p[idx]
        amount = total(paid)
        if split_p is not None:
            city, district, street = (total(x[idx]) for x in split_p)
            p_city, p_district = split_p[0], split_p[1]
        elif funding_param:
            c_p, d_p, _ = split_funding(ctx, paid, funding_param)
            city, district = total(c_p), total(d_p)
            street = amount - city - district
            p_city, p_district = _scatter(b.n_persons, idx, c_p), _scatter(b.n_persons, idx, d_p)
        else:
            city = district = street = np.zeros(n_h, dtype=np.int64)
            p_city = p_district = np.zeros(b.n_persons, dtype=np.int64)
    else:
        eligible = b.hh_any(eligible_p)
        amount = b.hh_sum(amount_p)
        if split_p is not None:
            city, district, street = (b.hh_sum(x) for x in split_p)
            p_city, p_district = split_p[0], split_p[1]
        elif funding_param:
            c_p, d_p, _ = split_funding(ctx, amount_p, funding_param)
            city, district = b.hh_sum(c_p), b.hh_sum(d_p)
            street = (
                amount - city - district
            )  # = Σ street exactly: street = amount − city − district
            p_city, p_district = c_p, d_p
        else:
            city = district = street = np.zeros(n_h, dtype=np.int64)
            p_city = p_district = np.zeros(b.n_persons, dtype=np.int64)
    hreason = np.where(eligible, np.int16(ELIGIBLE), np.int16(reason("NO_ELIGIBLE_MEMBER")))
    ctx.hfig("household amount (sum of persons)", amount)
    return ProgramResult(
        ctx.program,
        "person",
        eligible,
        amount,
        city,
        district,
        street,
        hreason,
        eligible_p,
        amount_p,
        reasons_p,
        np.asarray(p_city, dtype=np.int64),
        np.asarray(p_district, dtype=np.int64),
        p_extra=p_extra or {},
        figures=ctx._h_figs,
        p_figures=ctx._p_figs,
        values=ctx._values,
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


def program(name: str, level: str, needs: tuple[str, ...] = ()) -> Callable:
    """Register a program under its catalogue code (its title comes from the catalogue)."""
    if name not in CATALOG or not CATALOG[name].program:
        raise ValueError(f"program {name!r} is not in safetynet.rules.catalog")

    def deco(fn: ProgramFn) -> ProgramFn:
        PROGRAMS[name] = Program(name, CATALOG[name].title, level, fn, needs)
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
WORKERS = 2  # threads over chunks (this machine has two cores)


def _run_one(
    batch: Batch,
    names: list[str],
    params: ParameterSet,
    trace: Trace | None,
    figures: bool = False,
) -> dict[str, ProgramResult]:
    ctx = Ctx(params, batch, trace, figures)
    results: dict[str, ProgramResult] = {}
    for n in names:
        ctx.begin(n)
        results[n] = PROGRAMS[n].fn(batch, ctx, results)
    return results


_H_FIELDS = ("eligible", "amount", "city", "district", "street", "reason")
_P_FIELDS = ("p_eligible", "p_amount", "p_reason", "p_city", "p_district")


def run_batch(
    batch: Batch,
    programs: Iterable[str] | None = None,
    params: ParameterSet | None = None,
    trace: Trace | None = None,
    chunk_persons: int = CHUNK_PERSONS,
    workers: int = WORKERS,
    figures: bool = False,
) -> dict[str, ProgramResult]:
    """Run programs (default: all, with their dependencies) on a batch for its month.

    Large batches are processed in chunks of whole households (about ``chunk_persons``
    persons each): every program is a per-household formula, so chunking changes nothing in
    the results, and small working arrays stay in cache and reuse memory. Chunks after the
    first run on ``workers`` threads; the results do not depend on it. With ``figures`` each
    result also carries its named figures (``ProgramResult.figures``, ``p_figures``, ``values``).
    """
    params = params or load_parameters()
    names = list(PROGRAMS) if programs is None else list(programs)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        raise KeyError(f"unknown program(s) {unknown}; known: {sorted(PROGRAMS)}")
    order = _order(names)
    if trace is not None or batch.n_persons <= chunk_persons:
        return _run_one(batch, order, params, trace, figures)
    chunks = batch.chunks(chunk_persons)
    bounds = batch.bounds

    def run_chunk(first: int, last: int) -> dict[str, ProgramResult]:
        return _run_one(batch.household_slice(first, last), order, params, None, figures)

    def store(first: int, last: int, part: dict[str, ProgramResult]) -> None:
        lo, hi = int(bounds[first]), int(bounds[last])
        for n, r in part.items():
            o = out[n]
            for f in _H_FIELDS:
                getattr(o, f)[first:last] = getattr(r, f)
            for k, v in r.extra.items():
                o.extra[k][first:last] = v
            for k, v in r.figures.items():
                o.figures[k][first:last] = v
            for k, v in r.p_figures.items():
                o.p_figures[k][lo:hi] = v
            if r.level == "person":
                for f in _P_FIELDS:
                    getattr(o, f)[lo:hi] = getattr(r, f)
                for k, v in r.p_extra.items():
                    o.p_extra[k][lo:hi] = v

    # The first chunk tells the output dtypes; the rest run on `workers` threads (numpy
    # releases the GIL inside its loops), each storing into its own slices of the outputs.
    first_part = run_chunk(*chunks[0])
    out = _allocate_like(first_part, batch.n_households, batch.n_persons)
    store(*chunks[0], first_part)
    del first_part

    def run_and_store(bounds_: tuple[int, int]) -> None:
        store(*bounds_, run_chunk(*bounds_))

    rest = chunks[1:]
    if workers > 1 and len(rest) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run_and_store, rest))
    else:
        for c in rest:
            run_and_store(c)
    return out


def iter_results(
    batch: Batch,
    programs: Iterable[str] | None = None,
    params: ParameterSet | None = None,
    chunk_persons: int | None = None,
) -> Iterator[tuple[Batch, dict[str, ProgramResult]]]:
    """``run_batch`` chunk by chunk, without assembling the whole batch's results: yields
    (the chunk's batch, its results) for consecutive chunks of whole households, in order.
    For streaming output (memory stays bounded by one chunk's results)."""
    params = params or load_parameters()
    names = list(PROGRAMS) if programs is None else list(programs)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        raise KeyError(f"unknown program(s) {unknown}; known: {sorted(PROGRAMS)}")
    order = _order(names)
    chunk_persons = chunk_persons or CHUNK_PERSONS
    if batch.n_persons <= chunk_persons:
        yield batch, _run_one(batch, order, params, None)
        return
    for first, last in batch.chunks(chunk_persons):
        part = batch.household_slice(first, last)
        yield part, _run_one(part, order, params, None)


def _allocate_like(parts: dict[str, ProgramResult], n_h: int, n_p: int) -> dict[str, ProgramResult]:
    """Output arrays shaped like one chunk's results, for the whole batch, carved out of one
    allocation: a large block gets transparent huge pages, so filling the outputs costs a few
    hundred page faults instead of one per 4 KiB (the dominant cost of merging on Linux)."""
    specs: list[tuple[np.dtype, int]] = []

    def want(a: np.ndarray | None, n: int) -> int | None:
        if a is None:
            return None
        specs.append((a.dtype, n))
        return len(specs) - 1

    plan = {}
    for name, r in parts.items():
        person = r.level == "person"
        plan[name] = (
            [want(getattr(r, f), n_h) for f in _H_FIELDS],
            [want(getattr(r, f), n_p) if person else None for f in _P_FIELDS],
            {k: want(v, n_h) for k, v in r.extra.items()},
            {k: want(v, n_p) for k, v in r.p_extra.items()},
            {k: want(v, n_h) for k, v in r.figures.items()},
            {k: want(v, n_p) for k, v in r.p_figures.items()},
        )
    align = 64
    offsets, total = [], 0
    for dtype, n in specs:
        offsets.append(total)
        total += -(-n * dtype.itemsize // align) * align
    arena = np.empty(total + align, dtype=np.uint8)
    shift = (-arena.ctypes.data) % align
    views = [
        arena[shift + off : shift + off + n * dtype.itemsize].view(dtype)
        for (dtype, n), off in zip(specs, offsets, strict=True)
    ]

    def v(i: int | None) -> np.ndarray | None:
        return None if i is None else views[i]

    return {
        name: ProgramResult(
            name,
            parts[name].level,
            *(v(i) for i in h_idx),  # type: ignore[arg-type]
            *(v(i) for i in p_idx),
            extra={k: v(i) for k, i in hx.items()},  # type: ignore[misc]
            p_extra={k: v(i) for k, i in px.items()},  # type: ignore[misc]
            figures={k: v(i) for k, i in hf.items()},  # type: ignore[misc]
            p_figures={k: v(i) for k, i in pf.items()},  # type: ignore[misc]
            values=dict(parts[name].values),
        )
        for name, (h_idx, p_idx, hx, px, hf, pf) in plan.items()
    }

"""What-if on the whole city (全市影响试算, ADR 1410): a proposed parameter change run on a
snapshot of the caseload against the baseline, on DuckDB or Spark with identical results.

The same city is computed twice for one benefit month — with the baseline tree (the shipped
YAML and the approved changes) and with the proposal (the baseline plus the proposed changes)
— and compared household by household, program by program. What comes out is only additive
integer aggregates, per program and district (``district_code``):

- households and persons entitled before and after, gaining (newly entitled), losing (no longer
  entitled), changing up or down (entitled in both, a different amount);
- the month's cost before and after, with its city / district / street-town parts (each
  program's ``<program>.funding`` shares, split by the engine exactly as the payroll does);
- the distribution of the change per household (``HIST_EDGES_FEN`` buckets, in fen).

Each chunk of whole households gives a small table of partial sums (``PARTIAL_SCHEMA``);
the sums of those tables are the result, whatever the chunking. The DuckDB engine reads the
Parquet files straight into batches (``readers.iter_city``); Spark (and ``duckdb-job``) runs
:class:`WhatIfKernel` as a :class:`safetynet.batch.BatchJob` over ``readers.city_query``, the
executors taking the changes with them. Imports no Django.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .batch import Batch
from .columns import month_str, parse_month
from .overlay import Change, OverlayError, effective_parameters
from .parameters import MissingParameterValue, ParameterSet, load_shipped

ENGINES = ("duckdb", "spark", "duckdb-job")
MONTHS_PER_YEAR = 12
ALL = "*"  # the program name of the rows over every program (city counts, total change)
# Bucket edges of a household's monthly change, in fen: bucket 0 is below the first edge,
# bucket i is [edges[i-1], edges[i]), the last from the last edge up; so with a change of 0
# never counted (those households are unchanged): < -500 yuan, -500 to -200, -200 to -100,
# -100 to -50, -50 to -10, -10 to 0 (exclusive), 0 (exclusive) to 10, 10 to 50, 50 to 100,
# 100 to 200, 200 to 500, > 500 (the lower yuan bound included below 0, the upper above 0).
HIST_EDGES_FEN: tuple[int, ...] = (
    -50000,
    -20000,
    -10000,
    -5000,
    -1000,
    1,
    1001,
    5001,
    10001,
    20001,
    50001,
)


def bucket_labels() -> list[str]:
    """Each bucket's range in yuan, as the screens and the briefing show it."""
    yuan = [e // 100 if e <= 0 else (e - 1) // 100 for e in HIST_EDGES_FEN]
    labels = [f"< {yuan[0]}"]
    for lo, hi in itertools.pairwise(yuan):
        labels.append(f"[{lo}, {hi})" if hi <= 0 else f"({lo}, {hi}]")
    return [*labels, f"> {yuan[-1]}"]


HOUSEHOLD_MEASURES = (
    "base_households",
    "new_households",
    "gain_households",
    "lose_households",
    "up_households",
    "down_households",
    "base_persons",
    "new_persons",
    "gain_persons",
    "lose_persons",
    "up_persons",
    "down_persons",
    "base_fen",
    "new_fen",
    "base_city_fen",
    "base_district_fen",
    "base_street_fen",
    "new_city_fen",
    "new_district_fen",
    "new_street_fen",
)
PARTIAL_SCHEMA = pa.schema(
    [
        ("household_id", pa.int64()),  # the chunk's first household (the job's key)
        ("program", pa.string()),
        ("district", pa.int32()),
        ("measure", pa.string()),
        ("bucket", pa.int16()),  # histogram bucket; -1 for the other measures
        ("value", pa.int64()),
    ]
)
PARTIAL_ORDER = ("household_id", "program", "district", "measure", "bucket")


class WhatIfError(ValueError):
    """Bad input to a what-if; ``field`` names it (change, name, from, value, month, engine)."""

    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code = field, message, code


# ============================================================================ the changes
def tree(changes: Sequence[Change]) -> ParameterSet:
    """The shipped tree with ``changes`` applied (cached per set of changes)."""
    return effective_parameters(tuple(changes)) if changes else load_shipped()


def adhoc_change(
    base: ParameterSet, name: str, value: int | str, effective: str, index: int = 0
) -> Change:
    """An ad-hoc proposed change (``--set NAME=V --from DATE``): a new dated value when the date
    is after the parameter's latest value, else a correction from that date."""
    if name not in base:
        raise WhatIfError("name", f"unknown parameter {name!r}", "unknown_parameter")
    p = base.get(name)
    try:
        key = dt.date.fromisoformat(effective).isoformat() if p.kind == "dated" else effective
    except (TypeError, ValueError):
        raise WhatIfError("from", f"{effective!r} is not a date YYYY-MM-DD", "bad_date") from None
    kind = "new_value" if key > p.keys[-1] else "correction"
    return Change(name, key, value, kind, "what-if (试算)", id=-(index + 1))


# proposed changes are applied after every approved one (the overlay orders by approval)
PROPOSED_AT = dt.datetime.max.replace(tzinfo=dt.UTC)


def as_proposed(changes: Sequence[Change]) -> tuple[Change, ...]:
    """The changes stamped as approved after everything, in their order."""
    return tuple(
        replace(c, approved_at=PROPOSED_AT, id=c.id or -(i + 1)) for i, c in enumerate(changes)
    )


def proposal_tree(base_changes: Sequence[Change], proposed: Sequence[Change]) -> ParameterSet:
    """The baseline with the proposed changes applied after it; OverlayError → WhatIfError
    naming the field."""
    if not proposed:
        raise WhatIfError("change", "give at least one proposed change")
    try:
        return tree(tuple(base_changes) + as_proposed(proposed))
    except OverlayError as e:
        raise WhatIfError(e.field, e.message, e.code) from None


def default_month(proposed: Sequence[Change]) -> str:
    """The first benefit month in which every proposed value is in force (parameters are read
    on the first day of a month): a change from 2020-07-01 is first seen in 2020-07, one from
    2020-07-15 in 2020-08."""
    months = []
    for c in proposed:
        text = str(c.effective)
        if len(text) == 7:  # a monthly series
            months.append(parse_month(text))
            continue
        day = dt.date.fromisoformat(text)
        ym = day.year * 12 + day.month - 1
        months.append(ym if day.day == 1 else ym + 1)
    return month_str(max(months))


# ============================================================================ one chunk
def _programs(programs: Iterable[str] | None) -> tuple[str, ...]:
    from .job import program_order

    try:
        return tuple(program_order(programs))
    except KeyError as e:
        raise WhatIfError("programs", str(e.args[0]), "unknown_program") from None


def partials(b: Batch, base: Mapping[str, Any], new: Mapping[str, Any]) -> pa.Table:
    """The partial sums of one chunk of whole households (``PARTIAL_SCHEMA``), from the two
    runs' results: per program and district each measure, and the histogram of the change.
    Only the households (persons) entitled in either run are summed: amounts are 0 elsewhere.
    A program whose proposal result *is* its baseline result (``run_pair`` did not run it
    again) is summed once and given to both sides."""
    from .engine import PROGRAMS

    n = b.n_households
    first = int(b.h["household_id"][0]) if n else 0
    districts, d_idx = np.unique(b.h["district_code"].astype(np.int32), return_inverse=True)
    d_idx = d_idx.reshape(-1).astype(np.int64)
    nd = len(districts)
    nb = len(HIST_EDGES_FEN) + 1
    edges = np.asarray(HIST_EDGES_FEN, dtype=np.int64)
    cols: dict[str, list] = {k: [] for k in ("program", "district", "measure", "bucket", "value")}

    def put(program: str, dist: int, measure: str, bucket: int, value: int) -> None:
        cols["program"].append(program)
        cols["district"].append(dist)
        cols["measure"].append(measure)
        cols["bucket"].append(bucket)
        cols["value"].append(value)

    def emit(program: str, d: np.ndarray, rows: dict[str, np.ndarray], both: bool = False) -> None:
        """Exact int64 sums of ``rows`` per district index ``d`` (one entry per row)."""
        if not d.size:
            return
        order = np.argsort(d, kind="stable")
        ds = d[order]
        starts = np.flatnonzero(np.r_[True, ds[1:] != ds[:-1]])
        matrix = np.stack([np.asarray(v, dtype=np.int64)[order] for v in rows.values()])
        sums = np.add.reduceat(matrix, starts, axis=1)
        for i, name in enumerate(rows):
            for j, k in enumerate(ds[starts]):
                v = int(sums[i, j])
                if v:
                    put(program, int(districts[k]), name, -1, v)
                    if both:  # the same figure before and after
                        put(program, int(districts[k]), "new" + name[4:], -1, v)

    def histogram(program: str, change: np.ndarray) -> None:
        moved = np.flatnonzero(change)
        if not moved.size:
            return
        bucket = np.searchsorted(edges, change[moved], side="right")
        counts = np.bincount(d_idx[moved] * nb + bucket, minlength=nd * nb)
        for k in np.flatnonzero(counts):
            put(program, int(districts[k // nb]), "hist", int(k % nb), int(counts[k]))

    if n:
        hh_count = np.bincount(d_idx, minlength=nd)
        p_count = np.bincount(d_idx[b.hh], minlength=nd)
        for k in range(nd):
            put(ALL, int(districts[k]), "households", -1, int(hh_count[k]))
            put(ALL, int(districts[k]), "persons", -1, int(p_count[k]))
    total = np.zeros(n, dtype=np.int64)
    members = None
    for name, r0 in base.items():
        r1 = new[name]
        person = PROGRAMS[name].level == "person"
        if not person and members is None:
            members = b.members
        if r1 is r0:  # not run again: the baseline's figures on both sides
            idx = np.flatnonzero(r0.eligible)
            rows = {
                "base_households": np.ones(idx.size, dtype=np.int64),
                "base_fen": r0.amount[idx],
                "base_city_fen": r0.city[idx],
                "base_district_fen": r0.district[idx],
                "base_street_fen": r0.street[idx],
            }
            if not person:
                rows["base_persons"] = members[idx]
            emit(name, d_idx[idx], rows, both=True)
            if person:
                pidx = np.flatnonzero(r0.p_eligible)
                ones = np.ones(pidx.size, dtype=np.int64)
                emit(name, d_idx[b.hh[pidx]], {"base_persons": ones}, both=True)
            continue
        idx = np.flatnonzero(r0.eligible | r1.eligible)
        be, ne = r0.eligible[idx], r1.eligible[idx]
        a0, a1 = r0.amount[idx], r1.amount[idx]
        both = be & ne
        rows = {
            "base_households": be,
            "new_households": ne,
            "gain_households": ne & ~be,
            "lose_households": be & ~ne,
            "up_households": both & (a1 > a0),
            "down_households": both & (a1 < a0),
            "base_fen": a0,
            "new_fen": a1,
            "base_city_fen": r0.city[idx],
            "base_district_fen": r0.district[idx],
            "base_street_fen": r0.street[idx],
            "new_city_fen": r1.city[idx],
            "new_district_fen": r1.district[idx],
            "new_street_fen": r1.street[idx],
        }
        if person:
            pidx = np.flatnonzero(r0.p_eligible | r1.p_eligible)
            pb, pn = r0.p_eligible[pidx], r1.p_eligible[pidx]
            pa0, pa1 = r0.p_amount[pidx], r1.p_amount[pidx]
            pboth = pb & pn
            prows = {
                "base_persons": pb,
                "new_persons": pn,
                "gain_persons": pn & ~pb,
                "lose_persons": pb & ~pn,
                "up_persons": pboth & (pa1 > pa0),
                "down_persons": pboth & (pa1 < pa0),
            }
            emit(name, d_idx[b.hh[pidx]], prows)
        else:
            m = members[idx]
            for k in ("base", "new", "gain", "lose", "up", "down"):
                rows[f"{k}_persons"] = m * rows[f"{k}_households"]
        emit(name, d_idx[idx], rows)
        change = np.zeros(n, dtype=np.int64)
        change[idx] = a1 - a0
        total += change
        histogram(name, change)
    histogram(ALL, total)
    size = len(cols["value"])
    return pa.table(
        {
            "household_id": pa.array(np.full(size, first, dtype=np.int64)),
            "program": pa.array(cols["program"], pa.string()),
            "district": pa.array(cols["district"], pa.int32()),
            "measure": pa.array(cols["measure"], pa.string()),
            "bucket": pa.array(cols["bucket"], pa.int16()),
            "value": pa.array(cols["value"], pa.int64()),
        },
        schema=PARTIAL_SCHEMA,
    )


def _recording_ctx(params: ParameterSet, b: Batch):
    from .engine import Ctx

    class RecordingCtx(Ctx):
        """A context that records the parameters each program reads."""

        reads: set[str]

        def begin(self, program: str) -> None:
            super().begin(program)
            self.reads = set()

        def pv(self, name: str):
            self.reads.add(name)
            return super().pv(name)

        def pv_on(self, name: str, on):
            self.reads.add(name)
            return super().pv_on(name, on)

        def series(self, name: str):
            self.reads.add(name)
            return super().series(name)

    return RecordingCtx(params, b)


# Batch caches that do not depend on parameters (kept for the proposal's run)
_PARAM_FREE_CACHE = ("enr:", "registered")


def _fresh(b: Batch) -> Batch:
    """The same households for the proposal's run: the derived columns computed so far (they
    depend on the data only) are shared, the parameter-dependent cache is not."""
    out = Batch(b.ym, b.p, b.h, b.hh)
    for k, v in b.__dict__.items():
        if k not in ("ym", "p", "h", "hh", "cache"):
            out.__dict__[k] = v
    out.cache.update({k: v for k, v in b.cache.items() if k.startswith(_PARAM_FREE_CACHE)})
    return out


def run_pair(
    b: Batch,
    programs: Sequence[str],
    base: ParameterSet,
    new: ParameterSet,
    changed: frozenset[str] | None = None,
) -> tuple[dict, dict]:
    """The programs over one chunk with the baseline and with the proposal. With ``changed``
    (the names of the changed parameters), a program is run again only if it read one of them
    in the baseline run or depends on a program run again; the others' results are the
    baseline's (a program is a function of the data and the parameter values it reads, so
    this is exact and spares the programs a change does not touch)."""
    from .engine import PROGRAMS, Ctx

    ctx = _recording_ctx(base, b)
    before: dict = {}
    after: dict = {}
    rerun: set[str] = set()
    new_ctx = None
    for name in programs:
        prog = PROGRAMS[name]
        ctx.begin(name)
        before[name] = prog.fn(b, ctx, before)
        if changed is None or ctx.reads & changed or any(d in rerun for d in prog.needs):
            if new_ctx is None:
                new_ctx = Ctx(new, _fresh(b))
            new_ctx.begin(name)
            after[name] = prog.fn(new_ctx.batch, new_ctx, after)
            rerun.add(name)
        else:
            after[name] = before[name]
    return before, after


def compare_chunk(
    b: Batch,
    programs: Sequence[str],
    base: ParameterSet,
    new: ParameterSet,
    changed: frozenset[str] | None = None,
) -> pa.Table:
    """Both runs over one chunk, reduced to its partial sums."""
    return partials(b, *run_pair(b, programs, base, new, changed))


@dataclass(frozen=True)
class WhatIfKernel:
    """The batch job's kernel: an Arrow chunk of whole households → its partial sums. Carries
    both sets of changes to the executors (they have no overlay source of their own)."""

    ym: int
    programs: tuple[str, ...]
    base_changes: tuple[Change, ...]
    new_changes: tuple[Change, ...]

    def __call__(self, table: pa.Table) -> pa.Table:
        from .readers import batch_from_rows

        b = batch_from_rows(table, self.ym)
        base, new = tree(self.base_changes), tree(self.new_changes)
        changed = frozenset(c.name for c in self.new_changes[len(self.base_changes) :])
        return compare_chunk(b, self.programs, base, new, changed)


def whatif_job(
    input_dir: str | Path,
    month: str,
    programs: Sequence[str],
    base_changes: Sequence[Change],
    new_changes: Sequence[Change],
):
    from safetynet.batch import BatchJob

    from .readers import INPUT_FILES, city_query, person_file_columns

    ym = parse_month(month)
    return BatchJob(
        name="whatif",
        inputs=dict(INPUT_FILES),
        query=city_query(ym, person_file_columns(input_dir)),
        key="household_id",
        kernel=WhatIfKernel(ym, tuple(programs), tuple(base_changes), tuple(new_changes)),
        output_schema=PARTIAL_SCHEMA,
        order_by=PARTIAL_ORDER,
        chunk_rows=262_144,
        params={"month": month, "programs": list(programs)},
        size_inputs=("persons",),
    )


# ============================================================================ the result
@dataclass
class WhatIfResult:
    """The aggregates of one what-if (``as_dict`` is what is stored, shown and printed)."""

    month: str
    engine: str
    proposed: list[Change]
    programs: dict[str, dict[str, int]]  # program -> measure -> value
    districts: dict[str, dict[int, dict[str, int]]]  # program -> district -> measure -> value
    histogram: dict[str, list[int]]  # program (or ALL) -> counts per bucket
    persons: int
    households: int
    floor_check: dict | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_partials(
        cls,
        table: pa.Table,
        month: str,
        engine: str,
        proposed: Sequence[Change],
        programs_run: Sequence[str] = (),
    ) -> WhatIfResult:
        nb = len(HIST_EDGES_FEN) + 1
        grouped = table.group_by(["program", "district", "measure", "bucket"]).aggregate(
            [("value", "sum")]
        )
        programs = {p: dict.fromkeys(HOUSEHOLD_MEASURES, 0) for p in programs_run}
        districts: dict[str, dict[int, dict[str, int]]] = {}
        histogram: dict[str, list[int]] = {}
        persons = households = 0
        for row in grouped.to_pylist():
            prog, dist, measure, v = (
                row["program"],
                row["district"],
                row["measure"],
                row["value_sum"],
            )
            if measure == "hist":
                histogram.setdefault(prog, [0] * nb)[row["bucket"]] += v
                continue
            if prog == ALL:
                if measure == "persons":
                    persons += v
                else:
                    households += v
                districts.setdefault(ALL, {}).setdefault(dist, {})[measure] = v
                continue
            programs.setdefault(prog, dict.fromkeys(HOUSEHOLD_MEASURES, 0))[measure] += v
            d = districts.setdefault(prog, {}).setdefault(
                dist, dict.fromkeys(HOUSEHOLD_MEASURES, 0)
            )
            d[measure] += v
        ordered = {p: {k: districts[p][k] for k in sorted(districts[p])} for p in sorted(districts)}
        return cls(
            month,
            engine,
            list(proposed),
            {p: programs[p] for p in sorted(programs)},
            ordered,
            {p: histogram[p] for p in sorted(histogram)},
            persons,
            households,
        )

    def totals(self) -> dict[str, int]:
        """Every program together: the sums of the money measures, and yearly figures."""
        out = dict.fromkeys(m for m in HOUSEHOLD_MEASURES if m.endswith("_fen"))
        for k in out:
            out[k] = sum(p[k] for p in self.programs.values())
        return _with_derived(out)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (district codes as text), without timings."""
        return {
            "month": self.month,
            "engine": self.engine,
            "proposed": [
                {"name": c.name, "effective": c.effective, "value": c.value, "kind": c.kind}
                for c in self.proposed
            ],
            "persons": self.persons,
            "households": self.households,
            "programs": {p: _with_derived(dict(m)) for p, m in self.programs.items()},
            "districts": {
                p: {str(d): _with_derived(dict(m)) for d, m in ds.items()}
                for p, ds in self.districts.items()
            },
            "totals": self.totals(),
            "histogram": {"edges_fen": list(HIST_EDGES_FEN), "counts": self.histogram},
            "floor_check": self.floor_check,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def _with_derived(m: dict[str, int]) -> dict[str, int]:
    """Adds the change of the month and of a year (the month × 12, the caseload held)."""
    if "base_fen" in m:
        m["change_fen"] = m["new_fen"] - m["base_fen"]
        for side in ("base", "new"):
            m[f"{side}_yearly_fen"] = m[f"{side}_fen"] * MONTHS_PER_YEAR
        m["change_yearly_fen"] = m["change_fen"] * MONTHS_PER_YEAR
        for level in ("city", "district", "street"):
            m[f"change_{level}_fen"] = m[f"new_{level}_fen"] - m[f"base_{level}_fen"]
            m[f"change_{level}_yearly_fen"] = m[f"change_{level}_fen"] * MONTHS_PER_YEAR
    return m


def comparable(result: Mapping[str, Any]) -> dict[str, Any]:
    """A result's dict without what depends on the engine (name, timings): equal across
    engines for the same input (the conformance test and the benchmark compare these)."""
    return {k: v for k, v in result.items() if k not in ("engine", "seconds")}


# ============================================================================ the floor check
def floor_check(
    base: ParameterSet,
    new: ParameterSet,
    proposed: Sequence[Change],
    *,
    scpi_rise: Fraction | None = None,
    food_rise: Fraction | None = None,
    minimum_wage_fen: int | None = None,
) -> dict | None:
    """The standard-adjustment floor check of ㈠2 for a proposal that sets ``dibao.standard``
    (None otherwise): the proposed standard against current × (1 + max(SCPI rise, food rise))
    and the minimum-wage link. The index rises are the parameters' unless given (the bureau's
    entered indices). Figures missing for the date → ``available: false`` with the reason."""
    from .adjustment import standard_adjustment_check

    dibao = [c for c in proposed if c.name == "dibao.standard"]
    if not dibao:
        return None
    effective = dt.date.fromisoformat(str(dibao[-1].effective))
    proposed_fen = new.at("dibao.standard", effective).value
    try:
        out = standard_adjustment_check(
            proposed_fen,
            effective,
            params=base,
            scpi_rise=scpi_rise,
            food_rise=food_rise,
            minimum_wage_fen=minimum_wage_fen,
        )
    except MissingParameterValue as e:
        return {"available": False, "reason": str(e), "proposed_fen": proposed_fen}
    out["available"] = True
    out["below_floor"] = not out["meets_floor"]
    return out


# ============================================================================ running it
def run_whatif(
    input_dir: str | Path,
    proposed: Sequence[Change],
    *,
    base_changes: Sequence[Change] = (),
    month: str | None = None,
    engine: str = "duckdb",
    programs: Iterable[str] | None = None,
    work_dir: str | Path | None = None,
    indices: Mapping[str, Any] | None = None,
    progress=None,
    full: bool = False,
) -> WhatIfResult:
    """The what-if of ``proposed`` (changes not yet in force) over the city in ``input_dir``
    for ``month`` (default: the first month every proposed value is in force), against the
    baseline ``base_changes`` (the approved changes). ``engine``: duckdb (default), spark or
    duckdb-job (the batch job on DuckDB). ``indices``: scpi_rise / food_rise /
    minimum_wage_fen for the floor check. ``progress(step, done, total)`` is told as it goes.
    ``full``: run every program twice (DuckDB; the default runs again only the programs the
    change touches, ``run_pair``: the same result)."""
    if engine not in ENGINES:
        raise WhatIfError("engine", f"{engine!r}: choose one of {', '.join(ENGINES)}")
    base_changes, proposed = tuple(base_changes), as_proposed(proposed)
    new_tree = proposal_tree(base_changes, proposed)
    base_tree = tree(base_changes)
    if month is None:
        month = default_month(proposed)
    try:
        month = month_str(parse_month(month))
    except ValueError as e:
        raise WhatIfError("month", str(e), "bad_month") from None
    order = _programs(programs)
    t0 = time.perf_counter()
    tell = progress or (lambda *a: None)
    if engine == "duckdb":
        changed = None if full else frozenset(c.name for c in proposed)
        table, seconds = _run_duckdb(input_dir, month, order, base_tree, new_tree, changed, tell)
    else:
        table, seconds = _run_job(
            input_dir, month, order, base_changes, base_changes + proposed, engine, work_dir, tell
        )
    t1 = time.perf_counter()
    result = WhatIfResult.from_partials(table, month, engine, proposed, order)
    result.floor_check = floor_check(base_tree, new_tree, proposed, **dict(indices or {}))
    seconds["aggregate"] = time.perf_counter() - t1
    seconds["total"] = time.perf_counter() - t0
    result.seconds = seconds
    tell("done", 1, 1)
    return result


def _run_duckdb(input_dir, month, order, base_tree, new_tree, changed, tell):
    from .engine import CHUNK_PERSONS, WORKERS
    from .readers import check_inputs, iter_city

    try:
        check_inputs(input_dir)
    except FileNotFoundError as e:
        raise WhatIfError("input", str(e), "missing_input") from None
    read = compute = 0.0
    pieces: list[pa.Table] = []
    c0 = time.perf_counter()
    done = 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for batch in iter_city(input_dir, month):
            c1 = time.perf_counter()
            read += c1 - c0
            chunks = (
                [batch.household_slice(a, z) for a, z in batch.chunks(CHUNK_PERSONS)]
                if batch.n_persons > CHUNK_PERSONS
                else [batch]
            )
            pieces.extend(
                pool.map(lambda b: compare_chunk(b, order, base_tree, new_tree, changed), chunks)
            )
            done += batch.n_persons
            tell("compute", done, 0)
            c0 = time.perf_counter()
            compute += c0 - c1
    table = pa.concat_tables(pieces) if pieces else PARTIAL_SCHEMA.empty_table()
    return table, {"read": read, "compute": compute}


def _run_job(input_dir, month, order, base_changes, new_changes, engine, work_dir, tell):
    from safetynet.batch import run_job
    from safetynet.batch.storage import BatchInputError

    runner = "duckdb" if engine == "duckdb-job" else engine
    own = work_dir is None
    out = Path(work_dir or tempfile.mkdtemp(prefix="whatif-")) / "partials"
    t0 = time.perf_counter()
    try:
        job = whatif_job(input_dir, month, order, base_changes, new_changes)
        tell("compute", 0, 0)
        output = run_job(job, input_dir, out, engine=runner)
        table = output.read()
    except (FileNotFoundError, BatchInputError) as e:
        raise WhatIfError("input", str(e), "missing_input") from None
    finally:
        if own:
            shutil.rmtree(out.parent, ignore_errors=True)
    return table, {"job": time.perf_counter() - t0}

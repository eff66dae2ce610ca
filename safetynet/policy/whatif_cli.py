"""`safetynet rules whatif`: a proposed change tried on the whole city (ADR 1410).

    safetynet rules whatif --change ID [--change ID ...] --out DIR [--engine duckdb|spark]
    safetynet rules whatif --set NAME=V --from DATE [--set NAME=V --from DATE ...] --out DIR
        [--input CITY_DIR] [--month YYYY-MM] [--engine duckdb|spark|duckdb-job]

The proposal is one or several pending parameter changes (their numbers) or ad-hoc values (money
in yuan), each with its effective date (one --from for every --set, or one per --set); the
baseline is the shipped tree with every approved change. The city is a snapshot of the caseload
in force for the month exported from the database into DIR/snapshot (or the generated city
given by --input). Prints the summary; writes the whole result to DIR/whatif.json. Bad input →
the reason on stderr naming the field, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_INVALID = 2


class _Fail(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _Fail(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    from safetynet.rules.whatif import ENGINES

    ap = _Parser(prog="safetynet rules whatif", description="What-if on the whole city.")
    ap.add_argument("--change", action="append", default=[], help="a pending change's number")
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE (money in yuan)")
    ap.add_argument("--from", dest="effective", action="append", default=[], help="YYYY-MM-DD")
    ap.add_argument("--engine", default="duckdb", choices=ENGINES)
    ap.add_argument("--out", required=True, help="directory for whatif.json (and the snapshot)")
    ap.add_argument("--input", help="a city's Parquet directory instead of the database snapshot")
    ap.add_argument("--month", help="benefit month YYYY-MM (default: first month in force)")
    return ap


def _proposal(args) -> tuple:
    from safetynet.policy import selectors
    from safetynet.policy.models import ChangeStatus, ParameterChange
    from safetynet.rules.whatif import WhatIfError, adhoc_change, tree

    if bool(args.change) == bool(args.set):
        raise _Fail("give either --change ID or --set NAME=V --from DATE")
    if args.change:
        out = []
        for raw in args.change:
            try:
                row = ParameterChange.objects.get(pk=int(raw))
            except (ValueError, ParameterChange.DoesNotExist):
                raise _Fail(f"--change: no parameter change {raw!r}") from None
            if row.status != ChangeStatus.PROPOSED:
                raise _Fail(f"--change: change #{row.pk} is {row.status}, not proposed")
            out.append(selectors.as_change(row))
        return tuple(out)
    dates = args.effective
    if len(dates) not in (1, len(args.set)):
        raise _Fail("--from: give one date for every --set, or one per --set")
    base = tree(selectors.approved_changes())
    out = []
    for i, item in enumerate(args.set):
        name, eq, value = item.partition("=")
        if not eq or not name.strip() or not value.strip():
            raise _Fail(f"--set: {item!r} is not NAME=VALUE")
        date = dates[0] if len(dates) == 1 else dates[i]
        try:
            out.append(adhoc_change(base, name.strip(), value.strip(), date, i))
        except WhatIfError as e:
            raise _Fail(f"--set {name}: {e}") from None
    return tuple(out)


def _summary(d: dict) -> str:
    from safetynet.rules.money import yuan

    lines = [
        f"what-if {d['month']} ({d['engine']}): "
        + "; ".join(f"{p['name']} = {p['value']} from {p['effective']}" for p in d["proposed"]),
        f"snapshot: {d['persons']:,} persons, {d['households']:,} households",
        "program                 gain    lose      up    down   month before → after (yuan)",
    ]
    for name, m in d["programs"].items():
        if not (m["change_fen"] or m["gain_households"] or m["lose_households"]):
            continue
        lines.append(
            f"{name:<22}{m['gain_households']:>6}{m['lose_households']:>8}{m['up_households']:>8}"
            f"{m['down_households']:>8}   {yuan(m['base_fen'])} → {yuan(m['new_fen'])} "
            f"(year {yuan(m['change_yearly_fen'])})"
        )
    t = d["totals"]
    lines.append(
        f"all programs: a month {yuan(t['change_fen'])}, a year {yuan(t['change_yearly_fen'])} "
        f"(city {yuan(t['change_city_yearly_fen'])}, district "
        f"{yuan(t['change_district_yearly_fen'])}, street {yuan(t['change_street_yearly_fen'])})"
    )
    fc = d.get("floor_check")
    if fc and fc.get("available"):
        verdict = "BELOW THE FLOOR" if fc["below_floor"] else "not below the floor"
        lines.append(
            f"floor check: proposed {yuan(fc['proposed_fen'])}, floor {yuan(fc['floor_fen'])} "
            f"(rise {fc['required_rise']}) → {verdict}; minimum wage ratio "
            f"{fc['min_wage_ratio_percent']} {'ok' if fc['min_wage_ratio_ok'] else 'outside'}"
        )
    elif fc:
        lines.append(f"floor check: not available ({fc.get('reason')})")
    return "\n".join(lines)


def whatif_main(argv: Sequence[str] | None = None) -> int:
    from safetynet.policy import selectors
    from safetynet.rules.memory import keep_freed_memory
    from safetynet.rules.whatif import WhatIfError, default_month, run_whatif

    try:
        args = _parser().parse_args(list(argv or []))
        proposed = _proposal(args)
        month = args.month or default_month(proposed)
        out = Path(args.out)
        city = args.input
        keep_freed_memory()
        base = selectors.approved_changes()
        if city is None:
            from safetynet.rules.columns import parse_month

            try:
                parse_month(month)
            except ValueError as e:
                raise _Fail(f"--month: {e}") from None
            from .whatif import snapshot

            city = snapshot(out / "snapshot", month)["dir"]
        result = run_whatif(city, proposed, base_changes=base, month=month, engine=args.engine)
    except _Fail as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WhatIfError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    d = result.as_dict()
    out.mkdir(parents=True, exist_ok=True)
    (out / "whatif.json").write_text(json.dumps(d, ensure_ascii=False, indent=2))
    print(_summary(d))
    return 0

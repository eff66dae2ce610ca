"""`safetynet rules indices …`: monthly price indices from the command line (ADR 1430).

- ``import FILE --as USER``: an Excel or CSV file (columns 月份, 指数, 同比指数, 累计指数, 来源),
  all or nothing; every problem is printed as ``row N, FIELD: reason``.
- ``set MONTH --kind cpi|food_cpi|scpi --value 102.8 [--cumulative 103.1] --source TEXT
  --as USER``: enter (or correct) one month.
- ``list [--year YYYY]``: the months entered, with the price-subsidy flag.

Bad input or a refusal → the reason on stderr (with the row and field), exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from safetynet.core.errors import ServiceError

from .cli import EXIT_INVALID, _actor, _Fail, _Parser


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="safetynet rules indices", description="Price indices (ADR 1430).")
    sub = ap.add_subparsers(dest="action", required=True, parser_class=_Parser)
    i = sub.add_parser("import", help="import an Excel or CSV file of indices, all or nothing")
    i.add_argument("file", help="the .xlsx or .csv file")
    i.add_argument("--as", dest="username", required=True, help="the entering user")
    s = sub.add_parser("set", help="enter or correct one month's index")
    s.add_argument("month", help="YYYY-MM")
    s.add_argument("--kind", required=True, help="cpi, food_cpi or scpi")
    s.add_argument("--value", required=True, help="index, same month last year = 100 (102.8)")
    s.add_argument("--cumulative", default=None, help="cumulative index (same period = 100)")
    s.add_argument("--source", required=True, help="where the figure comes from")
    s.add_argument("--as", dest="username", required=True, help="the entering user")
    ls = sub.add_parser("list", help="the months entered, with the price-subsidy flag")
    ls.add_argument("--year", type=int)
    return ap


def _problems(e: ServiceError) -> str:
    if not e.problems:
        return f"[{e.code}] {e.message}"
    lines = []
    for p in e.problems:
        where = f"row {p.row}, " if p.row else ""
        lines.append(f"[{p.code}] {where}{p.field}: {p.message}")
    return "\n".join(lines)


def _import(args) -> str:
    from safetynet.core.uploads import read_upload

    from .indices import MAX_FILE_BYTES, index_import

    actor = _actor(args.username)
    path = Path(args.file)
    if not path.is_file():
        raise _Fail(f"FILE: no such file {args.file!r}")
    with path.open("rb") as fh:
        content = read_upload(fh, max_bytes=MAX_FILE_BYTES)
    imp = index_import(actor, content, path.name)
    return f"import #{imp.pk}: {imp.rows} indices from {imp.file_name} (sha256 {imp.sha256[:12]}…)"


def _set(args) -> str:
    from safetynet.rules.indices import index_text

    from .indices import index_enter

    idx = index_enter(
        _actor(args.username),
        month=args.month,
        kind=args.kind,
        value=args.value,
        cumulative=args.cumulative,
        source=args.source,
    )
    return f"{idx.month} {idx.kind} = {index_text(idx.value)} ({idx.source})"


def _list(args) -> str:
    from safetynet.rules.money import yuan

    from .selectors import index_months

    lines = []
    for r in index_months(year=args.year):
        figures = "\t".join(
            f"{k}={r[k]['value']}" if r[k] else f"{k}=—" for k in ("cpi", "food_cpi", "scpi")
        )
        t = r["trigger"]
        flag = f"TRIGGERED {yuan(t.amount_fen)} yuan/person" if t.triggered else "not triggered"
        lines.append(f"{r['month']}\t{figures}\t{flag}")
    return "\n".join(lines) if lines else "no indices entered"


def indices_main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(list(argv or []))
        out = {"import": _import, "set": _set, "list": _list}[args.action](args)
    except _Fail as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except ServiceError as e:
        print(f"error: {_problems(e)}", file=sys.stderr)
        return EXIT_INVALID
    print(out)
    return 0

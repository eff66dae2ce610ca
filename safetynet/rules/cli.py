"""Command-line entry points, wired by the lead into ``safetynet rules ...``.

- ``calculate_main(["FILE", "--month", "YYYY-MM", "--trace"])``: one household situation (JSON)
  → JSON results on stdout; invalid input → message naming the field on stderr, exit code 2.
- ``run_main(["--input", DIR, "--month", "YYYY-MM", "--out", DIR, "--engine", "duckdb"])``:
  the generated city's Parquet → Parquet results per household and program.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from collections.abc import Sequence
from pathlib import Path

from .columns import parse_month

EXIT_INVALID = 2


def _month(value: str) -> str:
    try:
        parse_month(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return value


def calculate_main(argv: Sequence[str] | None = None) -> int:
    """``safetynet rules calculate FILE --month YYYY-MM [--trace]``."""
    from .situation import SituationError, calculate

    ap = argparse.ArgumentParser(
        prog="safetynet rules calculate", description="Calculate one household situation (JSON)."
    )
    ap.add_argument(
        "file", help="situation JSON file (docs/rules-situation-schema.md); - for stdin"
    )
    ap.add_argument("--month", required=True, type=_month, help="benefit month YYYY-MM")
    ap.add_argument("--trace", action="store_true", help="include the readable trace")
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) and EXIT_INVALID
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as e:
        print(f"error: {args.file}: {e.strerror}", file=sys.stderr)
        return EXIT_INVALID
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print(
            f"error: {args.file}: not UTF-8 text (byte {e.start} is {raw[e.start]:#04x}); "
            "save the situation as UTF-8 JSON",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        situation = json.loads(text)
    except json.JSONDecodeError as e:
        print(f"error: {args.file}: not valid JSON: {e}", file=sys.stderr)
        return EXIT_INVALID
    except RecursionError:
        print(f"error: {args.file}: JSON nested too deeply", file=sys.stderr)
        return EXIT_INVALID
    try:
        result = calculate(situation, args.month, trace=args.trace)
    except SituationError as e:
        print(f"error: invalid situation: {e}", file=sys.stderr)
        return EXIT_INVALID
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def run_main(argv: Sequence[str] | None = None) -> int:
    """``safetynet rules run --input DIR --month YYYY-MM --out DIR [--engine duckdb|spark]``."""
    from .job import ENGINES, run_city
    from .memory import keep_freed_memory

    ap = argparse.ArgumentParser(
        prog="safetynet rules run", description="Run every program on a generated city."
    )
    ap.add_argument(
        "--input",
        required=True,
        help="directory of the city's Parquet files; with --engine spark also a URI of shared "
        "storage (hdfs://, s3a://, file://; docs/spark.md)",
    )
    ap.add_argument("--month", required=True, type=_month, help="benefit month YYYY-MM")
    ap.add_argument(
        "--out",
        required=True,
        help="output directory for result Parquet files; with --engine spark --dataset also a "
        "URI of shared storage",
    )
    ap.add_argument(
        "--engine",
        default="duckdb",
        choices=ENGINES,
        help="duckdb (one machine, direct Parquet reader), spark (the batch job on Spark), "
        "duckdb-job (the same batch job on DuckDB)",
    )
    ap.add_argument("--programs", default=None, help="comma-separated subset (default: all)")
    ap.add_argument(
        "--dataset",
        action="store_true",
        help="spark/duckdb-job: keep the job's dataset (program=<name>/part-NNNNN.parquet) "
        "as the output instead of one file per program (docs/spark.md)",
    )
    try:
        args = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) and EXIT_INVALID
    programs = args.programs.split(",") if args.programs else None
    keep_freed_memory()
    try:
        run = run_city(
            args.input,
            args.month,
            args.out,
            engine=args.engine,
            programs=programs,
            dataset=args.dataset,
        )
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INVALID
    except KeyError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return EXIT_INVALID
    summary = {
        "month": run.month,
        "engine": run.engine,
        "persons": run.persons,
        "households": run.households,
        "seconds": {k: round(v, 3) for k, v in run.seconds.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "programs": {
            path.removesuffix(".parquet"): {
                "eligible_households": t["eligible"],
                "amount_fen": t["amount_fen"],
            }
            for path, t in run.totals.items()
            if not path.startswith("persons/")
        },
    }
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m safetynet.rules.cli calculate|run ...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("calculate", "run"):
        print("usage: python -m safetynet.rules.cli {calculate,run} ...", file=sys.stderr)
        return EXIT_INVALID
    return (calculate_main if argv[0] == "calculate" else run_main)(argv[1:])


if __name__ == "__main__":
    sys.exit(main())

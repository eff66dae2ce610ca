"""`safetynet rules calculate|run ...`: the rules engine's own command line, under `safetynet`.

The rules engine imports no Django, so its argument parsing lives in `safetynet.rules.cli`; this
command only hands the arguments over and exits with its code (2 for invalid input).
"""

import sys

from django.core.management.base import BaseCommand

from safetynet.policy.cli import parameters_main
from safetynet.policy.index_cli import indices_main
from safetynet.policy.whatif_cli import whatif_main
from safetynet.rules.cli import EXIT_INVALID, calculate_main, run_main

SUBCOMMANDS = {
    "calculate": calculate_main,
    "run": run_main,
    "parameters": parameters_main,
    "whatif": whatif_main,
}
SUBCOMMANDS["indices"] = indices_main  # price indices (ADR 1430)
USAGE = """usage: safetynet rules {calculate,run,parameters,indices,whatif} ...

  calculate FILE --month YYYY-MM [--trace]
      One household situation (JSON, see docs/rules-situation-schema.md) -> JSON results.
  run --input DIR|URI --month YYYY-MM --out DIR|URI [--engine duckdb|duckdb-job|spark]
      [--programs a,b] [--dataset]
      Every program over a generated city's Parquet files -> Parquet results. URIs of shared
      storage (hdfs://, s3a://, file://) with --engine spark (and --dataset for --out).
  parameters set NAME --from DATE --value V --reference TEXT --as USER [--kind K]
  parameters approve ID --as USER | reject ID --reason TEXT --as USER | list
      The bureau's parameter changes, approved by a second city officer (ADR 1400).
  indices import FILE --as USER | set MONTH --kind K --value V --source S --as USER | list
      Monthly price indices (CPI, food CPI, low-income living-cost index; ADR 1430).
  whatif --change ID | --set NAME=V --from DATE ... --out DIR [--engine duckdb|spark]
      [--input DIR] [--month YYYY-MM]
      A proposed change tried on the whole city against the approved baseline (ADR 1410).

`safetynet rules calculate --help` and `safetynet rules run --help` explain each.
"""


class Command(BaseCommand):
    help = "Rules engine: calculate one household situation, or run every program on a city."

    def run_from_argv(self, argv: list[str]) -> None:
        args = argv[2:]
        if not args or args[0] in {"-h", "--help", "help"}:
            self.stdout.write(USAGE)
            sys.exit(0 if args else EXIT_INVALID)
        main = SUBCOMMANDS.get(args[0])
        if main is None:
            self.stderr.write(f"unknown subcommand {args[0]!r}\n{USAGE}")
            sys.exit(EXIT_INVALID)
        sys.exit(main(args[1:]))

    def print_help(self, prog_name: str, subcommand: str) -> None:
        self.stdout.write(USAGE)

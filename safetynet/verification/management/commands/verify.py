"""`safetynet verify batch|import-findings`: batch re-verification of the caseload.

safetynet verify batch --input DIR|URI --month YYYY-MM --out DIR|URI [--engine duckdb|spark]
                       [--dataset]
safetynet verify import-findings DIR --as USERNAME
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.batch.job import ENGINES, BatchInputError
from safetynet.rules.columns import parse_month

BAD_INPUT = 2  # exit code for a bad argument or an unusable input


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


class Command(BaseCommand):
    help = (
        "Batch re-verification (核对) of the recipient caseload. `batch` checks every dibao, "
        "tekun, low-income and illness-expenditure household with an enrolment open in the "
        "month against the agencies' extracts and writes findings.parquet, checked.parquet and "
        "summary.json (no database needed). `import-findings` imports such an output: findings, "
        "the households checked, and one review task per household for its street office. "
        "See docs/verification-batch.md."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{batch,import-findings}")
        batch = sub.add_parser(
            "batch",
            help="re-verify the caseload of a month against the agencies' extracts",
            description=(
                "Re-verify the caseload of MONTH: the households with a dibao/tekun/low-income/"
                "illness-expenditure enrolment open in the month, against DIR/agencies/*.parquet. "
                "Writes OUT/findings.parquet (one row per finding), OUT/checked.parquet (one row "
                "per household checked) and OUT/summary.json."
            ),
        )
        batch.add_argument(
            "--input", required=True, metavar="DIR|URI",
            help="a generated city or extract directory (persons, households, agencies/...); "
            "on spark also a URI of shared storage (hdfs://, s3a://, file://; docs/spark.md)",
        )  # fmt: skip
        batch.add_argument("--month", required=True, metavar="YYYY-MM", help="the benefit month")
        batch.add_argument(
            "--out", required=True, metavar="DIR|URI",
            help="output directory (on spark with --dataset also a URI of shared storage)",
        )  # fmt: skip
        batch.add_argument(
            "--engine", default="duckdb", choices=ENGINES,
            help="duckdb (default, one machine) or spark (SPARK_MASTER, default local[2])",
        )  # fmt: skip
        batch.add_argument(
            "--dataset", action="store_true",
            help="keep the jobs' datasets (OUT/findings/part-NNNNN.parquet, "
            "OUT/checked/part-NNNNN.parquet, written by the executors) as the output instead "
            "of the two single files: for a province on shared storage (docs/spark.md)",
        )  # fmt: skip
        imp = sub.add_parser(
            "import-findings",
            help="import a batch output: findings, checks and review tasks",
            description=(
                "Import the output of `verify batch` in DIR as USERNAME (a verification operator): "
                "a batch run, its findings, the households checked, and one review task per "
                "household with findings for its street/town office. All or nothing; importing "
                "the same output again does nothing."
            ),
        )
        imp.add_argument("batch_dir", type=Path, metavar="DIR", help="the output of `verify batch`")
        imp.add_argument("--as", dest="username", required=True, help="the importing user")

    def handle(self, *args, action: str, **options):
        if action == "batch":
            return self._batch(**options)
        return self._import(**options)

    def _batch(self, *, input: str, month: str, out: str, engine: str, dataset: bool, **_):
        from safetynet.batch.storage import is_uri
        from safetynet.verification.batch import verify_batch

        try:
            parse_month(month)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if not is_uri(input) and not Path(input).is_dir():
            raise _fail(f"--input {input}: no such directory")
        if not is_uri(out) and Path(out).exists() and not Path(out).is_dir():
            raise _fail(f"--out {out} exists and is not a directory")
        try:
            summary = verify_batch(input, month, out, engine=engine, dataset=dataset)
        except BatchInputError as exc:
            raise _fail(f"bad input: {exc}") from None
        except LookupError as exc:  # no parameter value in force for the month
            raise _fail(f"no rules for {month}: {exc}") from None
        kinds = ", ".join(f"{k} {n}" for k, n in summary["findings_by_kind"].items()) or "none"
        self.stdout.write(
            f"{summary['households_checked']:,} households ({summary['persons_checked']:,} "
            f"persons) checked for {month} on {engine} in {summary['seconds']:.1f} s: "
            f"{summary['findings']:,} findings in {summary['households_with_findings']:,} "
            f"households ({kinds}). Written to {out}."
        )

    def _import(self, *, batch_dir: Path, username: str, **_):
        from safetynet.accounts.models import User
        from safetynet.verification.findings import FindingsImportError, findings_import

        try:
            actor = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise _fail(f"no active user {username!r}") from None
        try:
            run = findings_import(actor=actor, batch_dir=batch_dir)
        except FindingsImportError as exc:
            raise _fail(f"nothing imported: {exc}") from None
        tasks = run.tasks.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Batch run {run.pk} ({run.month}, {run.engine}): {run.households_checked:,} "
                f"households checked, {run.findings_count:,} findings, {tasks:,} review tasks."
            )
        )

"""Import a batch re-verification's output (`safetynet verify batch`) into the app.

`findings_import` reads DIR/summary.json, DIR/findings.parquet and DIR/checked.parquet, checks all
of it against the registry first, then in one transaction writes a BatchRun, its Findings, one
HouseholdCheck per household checked (the coverage figure) and one ReviewTask per household with a
finding, for the household's street/town office (the 9-digit parent of its community). Importing the
same output again returns the run already imported and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from safetynet.accounts.models import User
from safetynet.accounts.permissions import ABILITIES, NotPermittedError
from safetynet.registry.models import Division, Household, Person

from .batch import CHECKED_SCHEMA, FINDING_KINDS, FINDINGS_SCHEMA
from .models import BatchRun, Finding, FindingKind, HouseholdCheck, ReviewTask

SUMMARY_FORMAT = "safetynet-verify-batch/1"
LOOKUP_CHUNK = 5_000
WRITE_BATCH = 5_000
# Who may import: the map in accounts/permissions.py ("verification.import_findings").
ROLES_IMPORTING = ABILITIES["verification.import_findings"]


class FindingsImportError(ValueError):
    """The batch output cannot be imported; nothing was written. The message says why."""


def _read(batch_dir: Path) -> tuple[dict, list[dict], list[dict], str]:
    if not batch_dir.is_dir():
        raise FindingsImportError(f"{batch_dir} is not a directory")
    paths = {n: batch_dir / n for n in ("summary.json", "findings.parquet", "checked.parquet")}
    missing = [n for n, p in paths.items() if not p.is_file()]
    if missing:
        raise FindingsImportError(
            f"{batch_dir} is not a batch output: missing {', '.join(missing)}"
        )
    raw = {n: p.read_bytes() for n, p in paths.items()}
    try:
        summary = json.loads(raw["summary.json"])
    except ValueError as exc:
        raise FindingsImportError(f"summary.json is not valid JSON: {exc}") from None
    if not isinstance(summary, dict) or summary.get("format") != SUMMARY_FORMAT:
        raise FindingsImportError(f"summary.json: format is not {SUMMARY_FORMAT!r}")
    for key in ("month", "engine", "started_at", "finished_at"):
        if not summary.get(key):
            raise FindingsImportError(f"summary.json: {key!r} is missing")
    tables = {}
    for name, schema in (
        ("findings.parquet", FINDINGS_SCHEMA),
        ("checked.parquet", CHECKED_SCHEMA),
    ):
        try:
            table = pq.read_table(paths[name])
        except Exception as exc:  # pyarrow raises several kinds for a damaged file
            raise FindingsImportError(f"{name} is not readable Parquet: {exc}") from None
        absent = [f.name for f in schema if f.name not in table.column_names]
        if absent:
            raise FindingsImportError(f"{name}: column(s) missing: {', '.join(absent)}")
        tables[name] = table.select(schema.names).cast(schema).to_pylist()
    findings, checked = tables["findings.parquet"], tables["checked.parquet"]
    if summary.get("findings") != len(findings):
        raise FindingsImportError(
            f"summary.json says {summary.get('findings')} findings, findings.parquet has "
            f"{len(findings)}: the output is incomplete"
        )
    bad = sorted({f["kind"] for f in findings} - set(FindingKind.values))
    if bad:
        raise FindingsImportError(f"findings.parquet: unknown kind(s) {', '.join(bad)}")
    for row, f in enumerate(findings, start=1):
        try:
            detail = json.loads(f["detail"] or "{}")
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            raise FindingsImportError(f"findings.parquet row {row}: detail is not a JSON object")
        f["detail"] = detail
    digest = hashlib.sha256()
    for name in ("summary.json", "findings.parquet", "checked.parquet"):
        digest.update(hashlib.sha256(raw[name]).digest())
    return summary, findings, checked, digest.hexdigest()


def _lookup(model, field: str, keys: set[str], values: tuple[str, ...]) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    keys_list = sorted(keys)
    for i in range(0, len(keys_list), LOOKUP_CHUNK):
        chunk = keys_list[i : i + LOOKUP_CHUNK]
        for row in model.objects.filter(**{f"{field}__in": chunk}).values_list(field, *values):
            found[row[0]] = row[1:]
    return found


def _when(value: str, what: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise FindingsImportError(f"summary.json: {what} {value!r} is not an ISO time") from None


def findings_import(*, actor: User, batch_dir: str | Path) -> BatchRun:
    """Import the batch output in `batch_dir` as `actor`; return its BatchRun (see module doc)."""
    if not actor.has_perm("verification.import_findings"):
        refused = NotPermittedError("verification.import_findings", actor.role)
        raise FindingsImportError(f"[{refused.code}] {refused.message}")
    batch_dir = Path(batch_dir)
    summary, findings, checked, digest = _read(batch_dir)
    existing = BatchRun.objects.filter(digest=digest).first()
    if existing is not None:
        return existing

    # ---- resolve every household, person and street office before writing anything
    numbers = {r["household_number"] for r in checked} | {f["household_number"] for f in findings}
    households = _lookup(Household, "number", numbers, ("id", "division_id"))
    unknown = sorted(numbers - set(households))
    if unknown:
        raise FindingsImportError(
            f"{len(unknown)} household(s) of the batch are not in the registry "
            f"(e.g. {', '.join(unknown[:3])}); load the same city first"
        )
    prefix = None if actor.is_superuser else actor.scope_prefix
    if prefix is not None:
        outside = sorted(n for n, (_i, div) in households.items() if not div.startswith(prefix))
        if outside:
            raise FindingsImportError(
                f"{len(outside)} household(s) are outside {actor.username!r}'s jurisdiction "
                f"(e.g. {outside[0]})"
            )
    id_numbers = {f["id_number"] for f in findings if f["id_number"]}
    persons = _lookup(Person, "id_number", id_numbers, ("id",))
    unknown = sorted(id_numbers - set(persons))
    if unknown:
        raise FindingsImportError(
            f"{len(unknown)} person(s) named by findings are not in the registry "
            f"(e.g. {unknown[0][:6]}…)"
        )
    flagged = sorted({f["household_number"] for f in findings})
    streets = {n: households[n][1][:9] for n in flagged}
    known_streets = set(
        Division.objects.filter(code__in=sorted(set(streets.values()))).values_list(
            "code", flat=True
        )
    )
    missing = sorted(set(streets.values()) - known_streets)
    if missing:
        raise FindingsImportError(
            f"street/town division(s) {', '.join(missing[:3])} are not in the division table"
        )

    with transaction.atomic():
        run = BatchRun.objects.create(
            month=summary["month"],
            engine=summary["engine"],
            source_dir=str(batch_dir.resolve())[:500],
            households_checked=len(checked),
            findings_count=len(findings),
            started_at=_when(summary["started_at"], "started_at"),
            finished_at=_when(summary["finished_at"], "finished_at"),
            imported_by=actor,
            digest=digest,
        )
        Finding.objects.bulk_create(
            (
                Finding(
                    batch_run=run,
                    household_id=households[f["household_number"]][0],
                    person_id=persons[f["id_number"]][0] if f["id_number"] else None,
                    kind=f["kind"],
                    source=f["source"],
                    source_record=f["source_record"][:200],
                    detail={
                        **f["detail"],
                        "program": f["program"],
                        "verified_fen": f["verified_fen"],
                        "declared_fen": f["declared_fen"],
                        "limit_fen": f["limit_fen"],
                    },
                )
                for f in findings
            ),
            batch_size=WRITE_BATCH,
        )
        HouseholdCheck.objects.bulk_create(
            (
                HouseholdCheck(
                    batch_run=run,
                    household_id=households[r["household_number"]][0],
                    month=summary["month"],
                    programs=r["programs"][:64],
                )
                for r in checked
            ),
            batch_size=WRITE_BATCH,
        )
        tasks = [
            ReviewTask(batch_run=run, household_id=households[n][0], street_id=streets[n])
            for n in flagged
        ]
        bulk_create_with_history(
            tasks,
            ReviewTask,
            batch_size=WRITE_BATCH,
            default_user=actor,
            default_change_reason=f"batch {summary['month']}",
        )
        # Deaths in the civil-affairs records go to the street officer to confirm (ADR 1132).
        from safetynet.funerals.services import death_reports_from_findings

        death_reports_from_findings(run)
    return run


def caseload_coverage(*, month: str, division_prefix: str = "") -> dict:
    """The share of the month's caseload (households with a dibao, tekun, low-income or
    illness-expenditure enrolment open in `month`, within `division_prefix`) that a batch run
    checked in the 12 months ending with `month` (POLICY §1: the 100% target)."""
    from safetynet.registry.models import Enrolment
    from safetynet.rules.columns import month_str, parse_month

    from .batch import CASELOAD_PROGRAMS

    ym = parse_month(month)
    first = dt.date(ym // 12, ym % 12 + 1, 1)
    last = dt.date((ym + 1) // 12, (ym + 1) % 12 + 1, 1) - dt.timedelta(days=1)
    open_ = (
        Enrolment.objects.filter(
            category__in=CASELOAD_PROGRAMS,
            start_date__lte=last,
            household__division__code__startswith=division_prefix,
        )
        .exclude(end_date__lt=first)
        .values("household_id")
        .distinct()
    )
    total = open_.count()
    checked = (
        HouseholdCheck.objects.filter(
            household_id__in=open_, month__gte=month_str(ym - 11), month__lte=month
        )
        .values("household_id")
        .distinct()
        .count()
    )
    return {
        "month": month,
        "households": total,
        "verified": checked,
        "share": (checked / total) if total else None,
    }


__all__ = ["FINDING_KINDS", "FindingsImportError", "caseload_coverage", "findings_import"]

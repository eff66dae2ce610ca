"""Funerals reads, scoped to the actor's jurisdiction (the street of the deceased's household)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet, Sum

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.payments.models import LineKind, LineStatus, PaymentLine
from safetynet.registry.models import Enrolment
from safetynet.registry.selectors import person_match

from . import errors as E
from .models import DeathReport


def exemptions_recorded(person_ids: Iterable[int]) -> set[int]:
    """Persons whose funeral exemption a funeral home recorded (the home is reimbursed)."""
    try:
        from .models import FuneralService
    except ImportError:  # before the funeral homes' API
        return set()
    return set(
        FuneralService.objects.filter(
            person_id__in=list(person_ids), eligible=True, cancelled_at__isnull=True
        ).values_list("person_id", flat=True)
    )


def death_reports_visible_to(actor: User) -> QuerySet[DeathReport]:
    require(actor, "funerals.view_deaths")
    return DeathReport.objects.filter(street__code__startswith=actor.scope_prefix or "\x00")


def death_report_list(
    *, actor: User, status: str, q: str = "", division: str = ""
) -> QuerySet[DeathReport]:
    """Reports of a status the actor sees; a text (the start of the person's name, or a whole ID
    number) and the division picker's code narrow them. A report is kept per street: a community
    chosen narrows to its street (ADR 1033)."""
    rows = death_reports_visible_to(actor).select_related("person", "street").filter(status=status)
    if q.strip():
        rows = rows.filter(person_match(q.strip(), "person__"))
    if division:
        rows = rows.filter(street__code__startswith=division[:9])
    return rows


def death_report_get(*, actor: User, report_id: int) -> DeathReport:
    obj = death_reports_visible_to(actor).select_related("person").filter(pk=report_id).first()
    if obj is None:
        raise E.NotFoundError("death report")
    return obj


def _month(day) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def death_preview(report: DeathReport) -> dict:
    """What confirming the report does (the officer sees it before confirming): the enrolments
    that end with the month of death, and the paid monthly lines for later months that become
    recoveries (a death recorded late). The funeral grants are computed by the engine when the
    death is recorded and go on the street's funeral list (cases.proactive)."""
    month = _month(report.death_date)
    month_last = report.death_date.replace(day=28)
    enrolments = Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=month_last), person_id=report.person_id
    ).exclude(category="deceased")
    overpaid = PaymentLine.objects.filter(
        person_id=report.person_id,
        status=LineStatus.PAID,
        kind__in=(LineKind.REGULAR, LineKind.ARREARS),
        benefit_month__gt=month,
    )
    return {
        "stop_after": month,
        "enrolments": list(enrolments.values_list("category", flat=True)),
        "overpaid_months": sorted(set(overpaid.values_list("benefit_month", flat=True))),
        "overpaid_fen": int(overpaid.aggregate(s=Sum("amount_fen"))["s"] or 0),
    }


# --------------------------------------------------------------------------- funeral homes
def services_visible_to(
    actor: User, *, home: str = "", month: str = "", kind: str = ""
) -> QuerySet:
    """What the funeral homes recorded (exemptions, sea burials) of deceased persons of the
    actor's jurisdiction (the district of the deceased for district and city staff, the persons
    the street or community sees otherwise), filtered by home code, month of service, kind."""
    from safetynet.registry.selectors import persons_visible_to

    from .models import FuneralService

    require(actor, "funerals.view_deaths")
    prefix = actor.scope_prefix or "\x00"
    scope = Q(person__in=persons_visible_to(actor))
    if len(prefix) <= 6:
        scope |= Q(district__startswith=prefix)
    qs = FuneralService.objects.filter(scope).select_related("institution", "person", "statement")
    if home:
        qs = qs.filter(institution__code=home)
    if kind:
        qs = qs.filter(kind=kind)
    if month:
        try:
            year, mon = (int(x) for x in month.split("-"))
        except ValueError:
            return qs.none()
        qs = qs.filter(service_date__year=year, service_date__month=mon)
    return qs.order_by("-service_date", "-id")


def services_by_home(services: QuerySet) -> list[dict]:
    """Per home and kind: the records, how many were exempted, the fees waived (fen)."""
    from django.db.models import Count

    rows = (
        services.order_by()
        .values("institution__code", "institution__name", "kind")
        .annotate(
            records=Count("id"),
            exempted=Count("id", filter=Q(eligible=True)),
            waived=Sum("waived_fen"),
        )
        .order_by("institution__code", "kind")
    )
    return [{**r, "waived": int(r["waived"] or 0)} for r in rows]


def funeral_homes():
    from safetynet.institutions.models import Institution, InstitutionKind

    return Institution.objects.filter(kind=InstitutionKind.FUNERAL_HOME).order_by("code")


def statements(actor: User, *, month: str = "") -> QuerySet:
    """The homes' monthly reimbursement statements (city finance)."""
    from .models import FuneralStatement

    require(actor, "funerals.reimburse_homes")
    qs = FuneralStatement.objects.select_related("institution", "bank_file")
    if month:
        qs = qs.filter(month=month)
    return qs.order_by("-month", "institution__code")


def reimbursement_files(actor: User, *, month: str = "") -> QuerySet:
    from .models import ReimbursementFile

    require(actor, "funerals.reimburse_homes")
    qs = ReimbursementFile.objects.all()
    return qs.filter(month=month) if month else qs[:50]


def reimbursement_file_get(actor: User, file_id: int):
    from .models import ReimbursementFile

    require(actor, "funerals.reimburse_homes")
    rf = ReimbursementFile.objects.filter(pk=file_id).first()
    if rf is None:
        raise E.NotFoundError("reimbursement file")
    return rf

"""The plan's targets, each defined once (ADR 1300): indicator key, Chinese name, the selector
computing it from the platform's own data per street, target, deadline and responsible units.

A computation groups by street/town (the 9-digit code); districts and the city are the sums of
their streets' numerators and denominators, so every level is exact. Where the data does not exist
(an app not installed, no rows registered yet, or a figure kept only for the whole city) the
indicator is *unavailable* with a reason code — never a made-up number.

Rates are fractions (numerator / denominator) against a target share; counts are whole numbers
against a target count. Nothing here checks permissions: `selectors.py` scopes by the actor's
jurisdiction (the `prefix`) before it calls these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import gettext_lazy as _

from .models import HOME_BUILT, Unit

STREET = 9  # a street/town code's length; a district's is 6

# Why an indicator (or one division's figure) has no number. Codes are stored in snapshots.
REASONS = {
    "no_app": _("The module that holds this data is not installed."),
    "no_caseload": _(
        "No dibao, tekun, low-income or illness-expenditure household in the caseload."
    ),
    "none_verified": _("No caseload household was verified in the last 12 months."),
    "no_care_registry": _("No care institution is registered yet: placements are not recorded."),
    "no_dependent_tekun": _("No tekun person who cannot care for themselves."),
    "no_homes": _("No rural happiness home is registered yet."),
    "no_medical_recipients": _("No medical-assistance recipient in the caseload."),
    "no_ta_fund": _("No temporary-assistance fund raised is recorded for this year."),
    "city_only": _("Recorded for the whole city only: there is no breakdown by division."),
    "no_population": _("No registered population."),
    "no_rows": _("No data for this division."),
}


class Unavailable(Exception):
    """The indicator cannot be computed here; `code` is a key of REASONS."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Breakdown:
    """A computation's result: (numerator, denominator) per street code; `city_only`: one
    figure for the whole city under the key "" (no district or street figures)."""

    by_street: dict[str, tuple[int, int | None]]
    city_only: bool = False


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    label: object  # gettext_lazy, for the screens in either language
    kind: str  # "rate" | "count"
    target: Fraction | int
    deadline: dt.date | None  # None: yearly (the end of the year of the date asked)
    units: tuple[str, ...]
    reference: str
    compute: Callable[[dt.date, str], Breakdown]
    path_from: dt.date | None = None  # counts: the trajectory's start (None: the year's 1 Jan)
    money: bool = False  # numerator and denominator are fen (shown in yuan)

    def deadline_for(self, as_of: dt.date) -> dt.date:
        return self.deadline or dt.date(as_of.year, 12, 31)

    def path_start(self, as_of: dt.date) -> dt.date:
        return self.path_from or dt.date(as_of.year, 1, 1)


def _model(app: str, name: str):
    try:
        return apps.get_model(app, name)
    except LookupError:
        raise Unavailable("no_app") from None


def _in_force(qs, as_of: dt.date, start: str = "start_date", end: str = "end_date"):
    return qs.filter(**{f"{start}__lte": as_of}).filter(
        Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": as_of})
    )


def _grouped(qs, numerator, denominator="id") -> dict[str, tuple[int, int]]:
    rows = qs.values("street").annotate(n=numerator, d=Count(denominator, distinct=True))
    return {r["street"]: (int(r["n"] or 0), int(r["d"] or 0)) for r in rows}


# ------------------------------------------------------------------------------ computations
def verification_coverage(as_of: dt.date, prefix: str) -> Breakdown:
    """Caseload households verified in the 12 months up to `as_of` / caseload households (the
    verification page's own definition, `verification.selectors.coverage_basis`)."""
    from safetynet.registry.models import Household
    from safetynet.verification.selectors import coverage_basis

    caseload, verified = coverage_basis(
        households=Household.objects.filter(division__code__startswith=prefix), as_of=as_of
    )
    caseload = caseload.annotate(street=Substr("division_id", 1, STREET))
    out = _grouped(caseload, Count("id", filter=verified, distinct=True))
    if not out:
        raise Unavailable("no_caseload")
    return Breakdown(out)


# Batch findings that put eligibility in doubt (not only the amount) until the street closes the
# household's review task as "checked: no change".
DOUBT_KINDS = (
    "income_above_line",
    "assets_above_limit",
    "new_vehicle",
    "new_property",
    "new_business",
    "death",
    "duplicate_enrolment",
)


def eligibility_rate(as_of: dt.date, prefix: str) -> Breakdown:
    """Of the caseload households verified in the 12 months up to `as_of`, those found eligible:
    their latest concluded report does not say "does not meet", and no batch finding in the
    window that puts eligibility in doubt is open (its review task not closed "no change")."""
    from safetynet.registry.models import Household
    from safetynet.verification.models import Finding, Report, ReviewTask
    from safetynet.verification.selectors import _months_back, coverage_basis

    since = _months_back(as_of, 12)
    caseload, verified = coverage_basis(
        households=Household.objects.filter(division__code__startswith=prefix), as_of=as_of
    )
    if not caseload.exists():
        raise Unavailable("no_caseload")
    latest = (
        Report.objects.filter(
            request__household_id=OuterRef("pk"),
            created_at__date__gt=since,
            created_at__date__lte=as_of,
            conclusion__in=("meets", "does_not_meet"),
        )
        .order_by("-created_at", "-id")
        .values("conclusion")[:1]
    )
    cleared = ReviewTask.objects.filter(
        household_id=OuterRef("household_id"),
        batch_run_id=OuterRef("batch_run_id"),
        status="closed",
        outcome="no_change",
    )
    doubt = (
        Finding.objects.annotate(cleared=Exists(cleared))
        .filter(
            household_id=OuterRef("pk"),
            kind__in=DOUBT_KINDS,
            batch_run__finished_at__date__gt=since,
            batch_run__finished_at__date__lte=as_of,
        )
        .filter(cleared=False)
    )
    rows = (
        caseload.filter(verified)
        .annotate(street=Substr("division_id", 1, STREET))
        .annotate(last=Subquery(latest), doubt=Exists(doubt))
    )
    not_refused = Q(last__isnull=True) | ~Q(last="does_not_meet")  # NULL: no report, a batch
    eligible = Count("id", filter=not_refused & Q(doubt=False), distinct=True)
    out = _grouped(rows, eligible)
    if not out:
        raise Unavailable("none_verified")
    return Breakdown(out)


def _persons_in(qs, prefix: str):
    """Persons by their current household's division, else their registered residence's, under
    `prefix`, annotated with their street."""
    return (
        qs.annotate(div=Coalesce("household_division_id", "hukou_division_id"))
        .filter(div__startswith=prefix)
        .annotate(street=Substr("div", 1, STREET))
    )


def concentrated_care(as_of: dt.date, prefix: str) -> Breakdown:
    """Tekun persons who cannot care for themselves (at least the parameter's number of the six
    self-care items failed: partly or fully disabled) living in a care institution on `as_of`
    (an open placement) / all such tekun persons alive with a tekun enrolment in force."""
    from safetynet.registry.models import Enrolment, Person
    from safetynet.rules.parameters import load_parameters

    from .models import CareInstitution, CarePlacement

    if not CareInstitution.objects.exists():
        raise Unavailable("no_care_registry")
    min_failed = int(load_parameters().at("tekun.partly_disabled_min_failed", as_of).value)
    tekun = _in_force(Enrolment.objects.filter(category="tekun"), as_of).values("person_id")
    placed = _in_force(
        CarePlacement.objects.filter(person_id=OuterRef("pk")), as_of, "start_on", "end_on"
    )
    persons = _persons_in(
        Person.objects.filter(id__in=tekun, selfcare_failed_items__gte=min_failed).filter(
            Q(death_date__isnull=True) | Q(death_date__gt=as_of)
        ),
        prefix,
    ).annotate(placed=Exists(placed))
    out = _grouped(persons, Count("id", filter=Q(placed=True), distinct=True))
    if not out:
        raise Unavailable("no_dependent_tekun")
    return Breakdown(out)


def _homes(prefix: str):
    from .models import HappinessHome

    if not HappinessHome.objects.exists():
        raise Unavailable("no_homes")
    return HappinessHome.objects.filter(village__code__startswith=prefix).annotate(
        street=Substr("village_id", 1, STREET)
    )


def _count_by_street(qs) -> dict[str, tuple[int, None]]:
    rows = qs.values("street").annotate(n=Count("id"))
    return {r["street"]: (int(r["n"]), None) for r in rows}


def homes_built_year(as_of: dt.date, prefix: str) -> Breakdown:
    """Happiness homes completed (completed or operating) from 1 January of `as_of`'s year up
    to `as_of`."""
    built = _homes(prefix).filter(
        status__in=HOME_BUILT,
        completed_on__gte=dt.date(as_of.year, 1, 1),
        completed_on__lte=as_of,
    )
    return Breakdown(_count_by_street(built))


def homes_built_total(as_of: dt.date, prefix: str) -> Breakdown:
    """Happiness homes completed (completed or operating) up to `as_of`."""
    built = _homes(prefix).filter(status__in=HOME_BUILT, completed_on__lte=as_of)
    return Breakdown(_count_by_street(built))


MEDICAL_SEED_CATEGORIES = ("dibao", "tekun", "low_income", "illness_poverty")


def one_stop_coverage(as_of: dt.date, prefix: str) -> Breakdown:
    """Medical-assistance recipients the seed names (dibao, tekun, low-income, illness-expenditure
    persons with an enrolment in force, alive) who are in the one-stop settlement system — a
    category the settlement parameter `medical_assistance.categories` lists on `as_of`, so that a
    hospital settles them at discharge / all such recipients. (The social-security card the seed
    mentions is not in the platform's data: every recipient counts.)"""
    if not apps.is_installed("safetynet.medical"):
        raise Unavailable("no_app")
    from safetynet.registry.models import Enrolment, Person
    from safetynet.rules.parameters import load_parameters

    settled = list(load_parameters().at("medical_assistance.categories", as_of).value)
    held = _in_force(Enrolment.objects.filter(category__in=MEDICAL_SEED_CATEGORIES), as_of)
    covered = held.filter(category__in=settled, person_id=OuterRef("pk"))
    persons = _persons_in(
        Person.objects.filter(id__in=held.values("person_id")).filter(
            Q(death_date__isnull=True) | Q(death_date__gt=as_of)
        ),
        prefix,
    ).annotate(covered=Exists(covered))
    out = _grouped(persons, Count("id", filter=Q(covered=True), distinct=True))
    if not out:
        raise Unavailable("no_medical_recipients")
    return Breakdown(out)


def ta_fund_raised(as_of: dt.date, prefix: str) -> Breakdown:
    """The temporary-assistance fund raised in `as_of`'s year up to `as_of` (the ledger's fund
    income of kind `ta_fund`) / the year's standard (the rules' per-capita amount, 10 yuan in
    2016, × the registered population). Raised by the city: one figure for the whole city."""
    income = _model("funds", "FundIncome")
    from safetynet.funds.services import registered_population
    from safetynet.rules.parameters import load_parameters

    if len(prefix) > 4:
        raise Unavailable("city_only")
    rows = income.objects.filter(kind="ta_fund", on__gte=dt.date(as_of.year, 1, 1), on__lte=as_of)
    if not rows.exists():
        raise Unavailable("no_ta_fund")
    raised = int(rows.aggregate(s=Sum("amount_fen"))["s"] or 0)
    population = registered_population()
    if population <= 0:
        raise Unavailable("no_population")
    per_capita = int(load_parameters().at("temporary_assistance.fund_per_capita_year", as_of).value)
    return Breakdown({"": (raised, population * per_capita)}, city_only=True)


# ------------------------------------------------------------------------------ the targets
SEED = "厦门市民政局关于加大困难群众帮扶力度推动小康社会全面建成的实施方案 (2016-12-16)"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        key="verification_coverage",
        name_zh="低保、特困、低收入、因病支出型家庭信息核对覆盖率",
        label=_("Verification coverage of the caseload"),
        kind="rate",
        target=Fraction(1),
        deadline=dt.date(2018, 12, 31),
        units=(Unit.RELIEF, Unit.ENTITLED),
        reference=f"{SEED} 二㈠1（2018年…100%经过信息核对）",
        compute=verification_coverage,
    ),
    Indicator(
        key="eligibility_rate",
        name_zh="核对后符合认定条件比例",
        label=_("Eligible after re-verification"),
        kind="rate",
        target=Fraction(1),
        deadline=dt.date(2018, 12, 31),
        units=(Unit.RELIEF, Unit.ENTITLED),
        reference=f"{SEED} 二㈠1（100%经过信息核对且符合认定条件）",
        compute=eligibility_rate,
    ),
    Indicator(
        key="concentrated_care",
        name_zh="生活不能自理特困人员集中供养率",
        label=_("Concentrated care of tekun persons who cannot care for themselves"),
        kind="rate",
        target=Fraction(1, 2),
        deadline=dt.date(2018, 12, 31),
        units=(Unit.RELIEF, Unit.WELFARE),
        reference=f"{SEED} 二㈠3（集中供养率要达到50%以上）",
        compute=concentrated_care,
    ),
    Indicator(
        key="homes_built_year",
        name_zh="本年建成农村幸福院数",
        label=_("Rural happiness homes built this year"),
        kind="count",
        target=30,
        deadline=None,
        units=(Unit.WELFARE,),
        reference=f"{SEED} 二㈡2（每年安排建设30个农村幸福院）",
        compute=homes_built_year,
    ),
    Indicator(
        key="homes_built_total",
        name_zh="累计建成农村幸福院数",
        label=_("Rural happiness homes built in all"),
        kind="count",
        target=151,
        deadline=dt.date(2020, 12, 31),
        units=(Unit.WELFARE,),
        reference=f"{SEED} 二㈡2（到2020年全面建成151个）",
        compute=homes_built_total,
        path_from=dt.date(2016, 1, 1),
    ),
    Indicator(
        key="one_stop_coverage",
        name_zh="医疗救助对象“一站式”结算覆盖率",
        label=_("One-stop medical settlement coverage"),
        kind="rate",
        target=Fraction(1),
        deadline=dt.date(2018, 12, 31),
        units=(Unit.RELIEF, Unit.ENTITLED),
        reference=f"{SEED} 二㈠1（100%录入医疗救助系统享受“一站式”结算）",
        compute=one_stop_coverage,
    ),
    Indicator(
        key="ta_fund_raised",
        name_zh="临时救助资金筹集到位率（按户籍人口每人每年10元）",
        label=_("Temporary-assistance fund raised against the per-capita standard"),
        kind="rate",
        target=Fraction(1),
        deadline=None,
        units=(Unit.RELIEF,),
        reference=f"{SEED} 二㈠4（按当地户籍人口每人每年10元的标准筹集）",
        compute=ta_fund_raised,
        money=True,
    ),
)

BY_KEY = {i.key: i for i in INDICATORS}

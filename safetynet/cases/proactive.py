"""No-application programs (POLICY §8): each month the system proposes, per street, the
age-allowance list (those turning 80, or moving tier), the funeral grants and exemptions of
recorded deaths, and the price-subsidy month's recipients; an officer of the street confirms a
list in one step, which writes the enrolments (registry services) or the one-off grants.

Set-based: the candidates are selected in SQL (a birth-date bound, open enrolments, recorded
deaths), their columns fetched as arrays and run through the rules engine (`run_batch`) — the
engine decides eligibility, tier and amount; no per-person Python loop over the city. Only the
rows proposed are written (bulk), and only the confirmed rows go through the registry services.
Idempotent: a person already proposed for the kind and month (on any list), already enrolled
(age allowance) or already granted (funeral) is not proposed again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Q, Subquery

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.registry import services as registry
from safetynet.registry.models import Enrolment, Membership, Person
from safetynet.rules import load_parameters, run_batch
from safetynet.rules.batch import from_columns
from safetynet.rules.columns import NO_DATE_HIGH, NO_DATE_LOW

from . import clock
from . import errors as E
from .dynamic_models import (
    EntryOutcome,
    Grant,
    ListStatus,
    ProactiveKind,
    ProposalEntry,
    ProposalList,
)
from .reviews import month_end
from .services import _refuse

XIAMEN = "3502"
FUNERAL_PROGRAMS = ("funeral_exemption", "five_elders", "entitled_groups")
# Callables (person ids) -> the ids whose funeral exemption a funeral home already recorded (the
# home is reimbursed: no exemption grant to the family); appended by the funerals app.
EXEMPTION_RECORDED: list = []
PRICE_COVERED = ("dibao", "tekun")
LEGAL_BASIS = {
    "age_allowance": "厦门市困难群众帮扶实施方案（2016）二㈠；高龄津贴免申请",
    "funeral_exemption": "厦府办〔2016〕103号 基本殡葬服务费用免除",
    "five_elders": "厦门市困难群众帮扶实施方案（2016）二㈠7 五老丧葬补助",
    "entitled_groups": "厦门市困难群众帮扶实施方案（2016）二㈣ 优抚对象丧葬补助",
    "price_subsidy": "发改价格规〔2016〕1835号 价格临时补贴",
}


def check_month(month: str) -> tuple[str, dt.date]:
    """'YYYY-MM' → (month, its first day), or a refusal naming the field."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        _refuse(E.MONTH_INVALID, f"month {month!r} is not YYYY-MM", "month")
    if len(str(month)) != 7:
        _refuse(E.MONTH_INVALID, f"month {month!r} is not YYYY-MM", "month")
    return str(month), first


def _ym(d: dt.date | None, none_value) -> int:
    return none_value if d is None else d.year * 12 + d.month - 1


def _ym_array(dates, none_value) -> np.ndarray:
    return np.fromiter((_ym(d, none_value) for d in dates), dtype=np.int32, count=len(dates))


def _prev_month(month: str) -> str:
    y, m = int(month[:4]), int(month[5:7])
    return f"{y - 1:04d}-12" if m == 1 else f"{y:04d}-{m - 1:02d}"


def _rows(qs, fields: tuple[str, ...]) -> dict[str, list]:
    cols = list(zip(*qs.values_list(*fields), strict=True)) or [() for _ in fields]
    return {f: list(c) for f, c in zip(fields, cols, strict=True)}


def _batch(month: str, cols: Mapping[str, list], extra: Mapping[str, np.ndarray] | None = None):
    """A rules-engine batch of the selected persons, each in their household (a household
    column per person; facts the registry does not hold keep the engine's defaults)."""
    pid = np.asarray(cols["id"], dtype=np.int64)
    hid = np.asarray(
        [h if h is not None else -p for h, p in zip(cols["hh"], cols["id"], strict=True)],
        dtype=np.int64,
    )
    persons = {
        "person_id": pid,
        "household_id": hid,
        "birth_ym": _ym_array(cols["birth_date"], 0),
        "death_ym": _ym_array(cols["death_date"], int(NO_DATE_HIGH)),
        "hukou_xiamen": np.fromiter(
            (str(c).startswith(XIAMEN) for c in cols["hukou_division_id"]), bool, len(pid)
        ),
        **(extra or {}),
    }
    households = {"household_id": np.unique(hid)}
    return from_columns(month, persons, households)


PERSON_FIELDS = ("id", "hh", "birth_date", "death_date", "hukou_division_id", "street")


def _persons(qs):
    """Persons with their current household and its street (the list they go on)."""
    current = Membership.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
    return qs.annotate(
        hh=Subquery(current.values("household_id")[:1], output_field=BigIntegerField()),
        street=Subquery(
            current.values("household__division__parent_id")[:1], output_field=CharField()
        ),
    )


MEMBER_LOOKUPS = (
    "person_id",
    "household_id",
    "person__birth_date",
    "person__death_date",
    "person__hukou_division_id",
    "household__division__parent_id",
)


def _members_rows(qs, extra: tuple[str, ...] = ()) -> dict[str, list]:
    """Open memberships (one per person) joined to the person and the household's street, as
    columns named like PERSON_FIELDS (a plain join: no per-row subquery)."""
    rows = list(qs.values_list(*MEMBER_LOOKUPS, *extra))
    names = (*PERSON_FIELDS, *extra)
    cols = list(zip(*rows, strict=True)) or [() for _ in names]
    return {n: list(c) for n, c in zip(names, cols, strict=True)}


# --------------------------------------------------------------------------- proposals
def _already_listed(kind: str, month: str):
    return ProposalEntry.objects.filter(person=OuterRef("pk"), plist__kind=kind, plist__month=month)


def propose_age_allowance(*, month: str, prefix: str) -> list[dict]:
    """Persons whose age allowance starts (turning 80, or newly registered, and not enrolled in
    the age-allowance database) or changes tier this month, by the engine's `age_allowance`."""
    month, first = check_month(month)
    params = load_parameters()
    youngest = min(int(a) for a in params.at("age_allowance.tiers", first).value)
    # the engine's age for a month is the years completed by the end of the previous month:
    # anyone younger than youngest-1 at the month's start cannot be eligible (SQL bound)
    bound = dt.date(first.year - youngest + 1, first.month, 1)
    listed = ProposalEntry.objects.filter(
        person=OuterRef("person_id"), plist__kind=ProactiveKind.AGE_ALLOWANCE, plist__month=month
    )
    enrolled = Enrolment.objects.filter(
        person=OuterRef("person_id"), category="elderly_80", start_date__lte=first
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    qs = (
        Membership.objects.filter(
            Q(person__death_date__isnull=True) | Q(person__death_date__gte=first),
            end_date__isnull=True,
            person__birth_date__lt=bound,
            person__hukou_division__code__startswith=XIAMEN,
            household__division__code__startswith=prefix,
        )
        .filter(~Exists(listed))
        .annotate(enrolled=Exists(enrolled))
    )
    cols = _members_rows(qs, ("enrolled",))
    if not cols["id"]:
        return []
    # "already in the age-allowance database" rides along as the engine's enrolment column
    # (the age-allowance formula does not read it), so it is reordered with the batch
    enrolled_col = np.where(np.asarray(cols["enrolled"], dtype=bool), 0, int(NO_DATE_LOW))
    b = _batch(month, cols, {"enr_elderly_80_start": enrolled_col.astype(np.int32)})
    now = run_batch(b, ["age_allowance"])["age_allowance"]
    before = run_batch(b.with_month(_prev_month(month)), ["age_allowance"])["age_allowance"]
    order = b.p["person_id"]  # results are in the batch's person order
    enrolled_arr = b.p["enr_elderly_80_start"] != NO_DATE_LOW
    amount, amount_before = now.p_amount, before.p_amount
    new = now.p_eligible & ~enrolled_arr
    tier = now.p_eligible & enrolled_arr & before.p_eligible & (amount != amount_before)
    pick = np.flatnonzero(new | tier)
    return _entries(cols, order, pick, "age_allowance", amount, np.where(new, "new", "tier"))


def _in_prefix(cols: dict[str, list], prefix: str) -> dict[str, list]:
    keep = [i for i, s in enumerate(cols["street"]) if s is not None and s.startswith(prefix)]
    if len(keep) == len(cols["id"]):
        return cols
    return {k: [v[i] for i in keep] for k, v in cols.items()}


def _entries(cols, order, pick, program, amount, change) -> list[dict]:
    by_id = {pid: i for i, pid in enumerate(cols["id"])}
    out = []
    for j in pick.tolist():  # the proposed rows only
        i = by_id[int(order[j])]
        out.append(
            {
                "person_id": int(order[j]),
                "household_id": cols["hh"][i],
                "street": cols["street"][i],
                "program": program,
                "amount_fen": int(amount[j]),
                "change": str(change[j]) if isinstance(change, np.ndarray) else change,
            }
        )
    return out


def propose_funerals(*, month: str, prefix: str, person_ids=None) -> list[dict]:
    """The funeral exemption (基本殡葬费用免除; not where a funeral home recorded it), the five
    elders' and the entitled groups' funeral grants of every
    death recorded up to the end of `month` not yet granted nor proposed, by the engine's
    programs for the month of death."""
    month, first = check_month(month)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    granted = Grant.objects.filter(person=OuterRef("pk"), program__in=FUNERAL_PROGRAMS)
    listed = ProposalEntry.objects.filter(person=OuterRef("pk"), plist__kind=ProactiveKind.FUNERAL)
    qs = Person.objects.filter(death_date__isnull=False, death_date__lt=nxt)
    if person_ids is not None:
        qs = qs.filter(pk__in=list(person_ids))
    else:
        # the month's and the previous month's deaths (a death recorded later is proposed by
        # `death_follow_up` when it is recorded): a registry's history is not re-proposed
        prev = dt.date.fromisoformat(f"{_prev_month(month)}-01")
        qs = qs.filter(death_date__gte=prev)
    qs = _persons(qs.filter(~Exists(granted), ~Exists(listed)))
    last = Membership.objects.filter(person=OuterRef("pk")).order_by("-start_date")
    qs = qs.annotate(
        hh_any=Subquery(last.values("household_id")[:1]),
        street_any=Subquery(last.values("household__division__parent_id")[:1]),
    )
    cols = _rows(qs, (*PERSON_FIELDS, "hh_any", "street_any"))
    if not cols["id"]:
        return []
    cols["hh"] = [h or a for h, a in zip(cols["hh"], cols["hh_any"], strict=True)]
    cols["street"] = [s or a for s, a in zip(cols["street"], cols["street_any"], strict=True)]
    cols = _in_prefix(cols, prefix)
    if not cols["id"]:
        return []
    fe = Enrolment.objects.filter(person_id__in=cols["id"], category="five_elders")
    fe_start = {p: s for p, s in fe.values_list("person_id", "start_date")}
    out = []
    # one engine run per month of death (deaths recorded late fall in earlier months)
    death_months = sorted({d.strftime("%Y-%m") for d in cols["death_date"]})
    for dm in death_months:
        idx = [i for i, d in enumerate(cols["death_date"]) if d.strftime("%Y-%m") == dm]
        sub = {k: [v[i] for i in idx] for k, v in cols.items()}
        start = np.fromiter(
            (_ym(fe_start.get(p), int(NO_DATE_LOW)) for p in sub["id"]), np.int32, len(idx)
        )
        extra = {"enr_five_elders_start": start, **_assessed_facts(sub["id"], dm)}
        b = _batch(dm, sub, extra)
        res = run_batch(b, list(FUNERAL_PROGRAMS))
        order = b.p["person_id"]
        fx = res["funeral_exemption"]
        at_home = set().union(*(f(sub["id"]) for f in EXEMPTION_RECORDED))
        pick = np.flatnonzero(fx.p_eligible & ~np.isin(order, list(at_home)))
        out += _entries(sub, order, pick, "funeral_exemption", fx.p_amount, "death")
        fe_r = res["five_elders"]
        grant = fe_r.p_extra["funeral_grant_fen"]
        out += _entries(sub, order, np.flatnonzero(grant > 0), "five_elders", grant, "death")
        # the entitled groups' grant: 6 × the regular pension, not for disabled servicemen
        eg = res["entitled_groups"]
        out += _entries(
            sub, order, np.flatnonzero(eg.p_eligible), "entitled_groups", eg.p_amount, "death"
        )
    return out


def _assessed_facts(person_ids: list[int], month: str) -> dict[str, np.ndarray]:
    """The facts the registry does not hold, from each person's amount basis in force in the
    month (payments.AmountBasisPerson, ADR 0900): the entitled kind and regular pension, and
    the five elder's recorded subsidy (ADR 0712), as engine columns in `person_ids`' order."""
    from safetynet.payments.models import AmountBasisPerson
    from safetynet.rules.columns import ENTITLED_KINDS

    latest: dict[int, tuple] = {}
    rows = AmountBasisPerson.objects.filter(
        person_id__in=person_ids, basis__valid_from__lte=month
    ).order_by("person_id", "basis__valid_from", "id")
    for pid, kind, pension, subsidy in rows.values_list(
        "person_id", "entitled_kind", "income_entitled_pension_fen", "income_five_elder_subsidy_fen"
    ):
        latest[pid] = (kind, pension, subsidy)  # the last (latest valid_from) wins
    facts = [latest.get(p, ("", 0, 0)) for p in person_ids]
    kinds = [ENTITLED_KINDS.index(k) if k in ENTITLED_KINDS else 0 for k, _, _ in facts]
    return {
        "entitled_kind": np.asarray(kinds, dtype=np.int8),
        "income_entitled_pension_fen": np.asarray([f[1] for f in facts], dtype=np.int64),
        "income_five_elder_subsidy_fen": np.asarray([f[2] for f in facts], dtype=np.int64),
    }


def propose_price_subsidy(*, month: str, prefix: str) -> list[dict]:
    """When the month triggers (CPI / food CPI thresholds, the engine's `price_subsidy`), every
    living dibao or tekun recipient of the month with the engine's amount."""
    month, first = check_month(month)
    # the engine's timing (ADR 0903): started by the end of the month, not ended before it
    open_in = Q(start_date__lte=month_end(first)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=first)
    )
    enr = Enrolment.objects.filter(
        open_in, person=OuterRef("person_id"), category__in=PRICE_COVERED
    )
    listed = ProposalEntry.objects.filter(
        person=OuterRef("person_id"), plist__kind=ProactiveKind.PRICE_SUBSIDY, plist__month=month
    )
    qs = Membership.objects.filter(
        Q(person__death_date__isnull=True) | Q(person__death_date__gte=first),
        Exists(enr),
        ~Exists(listed),
        end_date__isnull=True,
        household__division__code__startswith=prefix,
    )
    cols = _members_rows(qs)
    if not cols["id"]:
        return []
    b = _batch(month, cols)
    res = run_batch(b, ["price_subsidy"])["price_subsidy"]
    order = b.p["person_id"]
    return _entries(
        cols, order, np.flatnonzero(res.p_eligible), "price_subsidy", res.p_amount, "month"
    )


PROPOSERS = {
    ProactiveKind.AGE_ALLOWANCE: propose_age_allowance,
    ProactiveKind.FUNERAL: propose_funerals,
    ProactiveKind.PRICE_SUBSIDY: propose_price_subsidy,
}


def _store(kind: str, month: str, entries: list[dict], on: dt.date) -> int:
    """Write the proposed entries on each street's open list of the kind and month (bulk)."""
    if not entries:
        return 0
    streets = sorted({e["street"] for e in entries})
    lists = {}
    for s in streets:
        plist, _ = ProposalList.objects.get_or_create(
            kind=kind,
            month=month,
            street_id=s,
            status=ListStatus.PROPOSED,
            defaults={"proposed_on": on},
        )
        lists[s] = plist.pk
    rows = [
        ProposalEntry(
            plist_id=lists[e["street"]],
            person_id=e["person_id"],
            household_id=e["household_id"],
            program=e["program"],
            change=e["change"],
            amount_fen=e["amount_fen"],
        )
        for e in entries
    ]
    ProposalEntry.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return len(rows)


def proposals_make(*, month: str, prefix: str, on: dt.date | None = None) -> dict[str, int]:
    """Propose the month's three lists for the streets under `prefix` (a system step of the
    monthly job; the actor is checked by `monthly_run`). Returns entries proposed per kind."""
    on = on or clock.today()
    out = {}
    for kind, fn in PROPOSERS.items():
        with transaction.atomic():
            out[kind.value] = _store(kind.value, month, fn(month=month, prefix=prefix), on)
    return out


# --------------------------------------------------------------------------- confirmation
@transaction.atomic
def proposal_list_confirm(
    *, actor: User, list_id: int, excluded: Mapping[int, str] | None = None
) -> ProposalList:
    """Confirm a proposed list in one step: every entry is confirmed except those `excluded`
    ({person id: reason}); confirmed entries become enrolments (age allowance, registry
    `enrolment_add`) or one-off grants (funerals, price subsidy). All or nothing."""
    require(actor, "cases.confirm_lists")
    prefix = actor.scope_prefix
    try:
        plist = ProposalList.objects.select_for_update().get(
            pk=list_id, street__code__startswith=prefix or "\x00"
        )
    except ProposalList.DoesNotExist:
        raise E.NotFoundError("list") from None
    if plist.status != ListStatus.PROPOSED:
        raise E.ServiceError(E.LIST_CONFIRMED, f"list {plist.pk} was confirmed")
    today = clock.today()
    excluded = {int(k): str(v or "").strip() for k, v in (excluded or {}).items()}
    entries = list(plist.entries.select_for_update().order_by("id"))
    on_list = {e.person_id for e in entries}
    for pid, reason in excluded.items():
        if pid not in on_list or not reason:
            _refuse(
                E.LIST_ENTRY_UNKNOWN,
                f"person {pid}: not on the list or no reason",
                f"excluded.{pid}",
            )
    _, first = check_month(plist.month)
    grants = []
    for e in entries:
        if e.person_id in excluded:
            e.outcome, e.reason = EntryOutcome.EXCLUDED, excluded[e.person_id]
            continue
        e.outcome = EntryOutcome.CONFIRMED
        if e.program == "age_allowance":
            if e.change == "new":
                registry.enrolment_add(
                    actor=actor,
                    person=e.person_id,
                    category="elderly_80",
                    start_date=first,
                    legal_basis=f"{LEGAL_BASIS['age_allowance']}，{plist.month}起",
                    household=e.household_id,
                )
        else:
            grants.append(
                Grant(
                    person_id=e.person_id,
                    household_id=e.household_id,
                    program=e.program,
                    month=plist.month,
                    amount_fen=e.amount_fen,
                    entry=e,
                    legal_basis=LEGAL_BASIS[e.program],
                    granted_on=today,
                )
            )
    ProposalEntry.objects.bulk_update(entries, ["outcome", "reason"], batch_size=5000)
    Grant.objects.bulk_create(grants, batch_size=5000)
    plist.status = ListStatus.CONFIRMED
    plist.confirmed_on = today
    plist.confirmed_by = actor
    plist.save()
    from .reviews import dynamic_event

    dynamic_event(
        kind="list_confirmed",
        actor=actor,
        on=today,
        plist=plist,
        confirmed=len(entries) - len(excluded),
        excluded=len(excluded),
        grants=len(grants),
    )
    return plist

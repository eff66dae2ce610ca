"""Disaster-relief reads, scoped to the actor's jurisdiction: an event is visible to those whose
jurisdiction it struck (an affected division under their prefix, or their prefix under an
affected division); its households, shelters and grants to those who see the household."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from safetynet.accounts.models import User
from safetynet.accounts.permissions import require
from safetynet.cases.models import Decision

from . import errors as E
from .models import AffectedHousehold, DisasterEvent, HousingStage, LivingAid, Shelter, ShelterStay


def _prefix(actor: User) -> str:
    return actor.scope_prefix or "\x00"


def events_visible_to(actor: User) -> QuerySet[DisasterEvent]:
    require(actor, "disaster.view_disaster")
    prefix = _prefix(actor)
    above = [prefix[:n] for n in (4, 6, 9, 12) if n <= len(prefix)]
    return DisasterEvent.objects.filter(
        Q(divisions__code__startswith=prefix) | Q(divisions__code__in=above)
    ).distinct()


def event_list(*, actor: User, q: str = "", division: str = "") -> QuerySet[DisasterEvent]:
    """The events the actor sees, narrowed by a text (a part of the number or the name) and by
    the division picker's code (events that struck that division, a part of it, or an area
    containing it; ADR 1033)."""
    rows = events_visible_to(actor)
    text = (q or "").strip()
    if text:
        rows = rows.filter(Q(number__icontains=text) | Q(name__contains=text))
    if division:
        above = [division[:n] for n in (4, 6, 9) if n < len(division)]
        ids = DisasterEvent.objects.filter(
            Q(divisions__code__startswith=division) | Q(divisions__code__in=above)
        ).values("id")
        rows = rows.filter(id__in=ids)
    return rows


def event_get(*, actor: User, event_id: int) -> DisasterEvent:
    event = events_visible_to(actor).filter(pk=event_id).first()
    if event is None:
        raise E.NotFoundError("event")
    return event


def affected_visible_to(actor: User) -> QuerySet[AffectedHousehold]:
    require(actor, "disaster.view_disaster")
    return AffectedHousehold.objects.filter(household__division__code__startswith=_prefix(actor))


def affected_get(*, actor: User, affected_id: int, for_update: bool = False) -> AffectedHousehold:
    qs = affected_visible_to(actor).select_related("event", "household", "housing_case")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    obj = qs.filter(pk=affected_id).first()
    if obj is None:
        raise E.NotFoundError("affected household")
    return obj


def shelter_get(*, actor: User, shelter_id: int, for_update: bool = False) -> Shelter:
    require(actor, "disaster.view_disaster")
    qs = Shelter.objects.filter(division__code__startswith=_prefix(actor)).select_related("event")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    obj = qs.filter(pk=shelter_id).first()
    if obj is None:
        raise E.NotFoundError("shelter")
    return obj


def photo_get(*, actor: User, photo_id: int):
    from .models import DamagePhoto

    obj = DamagePhoto.objects.filter(pk=photo_id, affected__in=affected_visible_to(actor)).first()
    if obj is None:
        raise E.NotFoundError("photo")
    from safetynet.verification.models import AccessAction, AccessLog

    AccessLog.objects.create(
        user=actor,
        action=AccessAction.DOWNLOAD_FILE,
        household_id=obj.affected.household_id,
        purpose=f"灾害救助照片 {obj.affected.event.number} #{obj.pk}"[:200],
    )
    return obj


@dataclass(frozen=True)
class Dashboard:
    households: int
    by_damage: dict[str, int]
    loss_fen: int
    sheltered_now: int
    stays: int
    aid_fen: int
    grants_applied: int
    grants_decided: int
    grants_approved: int
    approved_fen: int
    paid_fen: int
    released_fen: int
    stages: dict[str, int]


def event_dashboard(*, actor: User, event_id: int) -> Dashboard:
    """One event's figures within the actor's jurisdiction: households by damage and loss,
    shelter stays, living aid, housing grants applied / decided / approved (fen), released by
    the stages, and paid (the payroll's paid lines of the stages)."""
    from safetynet.payments.models import LineStatus, PaymentLine

    event = event_get(actor=actor, event_id=event_id)
    hh = affected_visible_to(actor).filter(event=event)
    by_damage = dict(hh.values_list("damage").annotate(n=Count("id")).values_list("damage", "n"))
    stays = ShelterStay.objects.filter(
        shelter__event=event, shelter__division__code__startswith=_prefix(actor)
    )
    case_ids = list(hh.exclude(housing_case=None).values_list("housing_case_id", flat=True))
    decisions = Decision.objects.filter(case_id__in=case_ids)
    approved = decisions.filter(outcome="approved")
    stages = HousingStage.objects.filter(case_id__in=case_ids)
    refs = [f"housing:{pk}" for pk in stages.values_list("pk", flat=True)]
    paid = PaymentLine.objects.filter(kind="grant", source_ref__in=refs, status=LineStatus.PAID)
    return Dashboard(
        households=hh.count(),
        by_damage=by_damage,
        loss_fen=int(hh.aggregate(s=Sum("loss_fen"))["s"] or 0),
        sheltered_now=stays.filter(checked_out_on__isnull=True).count(),
        stays=stays.count(),
        aid_fen=int(
            LivingAid.objects.filter(affected__in=hh).aggregate(s=Sum("amount_fen"))["s"] or 0
        ),
        grants_applied=len(case_ids),
        grants_decided=decisions.count(),
        grants_approved=approved.count(),
        approved_fen=int(approved.aggregate(s=Sum("amount_fen"))["s"] or 0),
        paid_fen=int(paid.aggregate(s=Sum("amount_fen"))["s"] or 0),
        released_fen=int(stages.aggregate(s=Sum("amount_fen"))["s"] or 0),
        stages=dict(stages.values_list("stage").annotate(n=Count("id")).values_list("stage", "n")),
    )


# --------------------------------------------------------------------------- shelter screens
def shelters_of(*, actor: User, event: DisasterEvent) -> QuerySet[Shelter]:
    """The event's shelters in the actor's jurisdiction, with who is there now and how many
    stays they took in."""
    require(actor, "disaster.view_disaster")
    return (
        event.shelters.filter(division__code__startswith=_prefix(actor))
        .select_related("division")
        .annotate(
            present=Count("stays", filter=Q(stays__checked_out_on__isnull=True)),
            stays_count=Count("stays"),
        )
    )


def shelter_stays(*, actor: User, shelter_id: int) -> tuple[Shelter, QuerySet[ShelterStay]]:
    """A shelter and who stayed there and when (open stays first)."""
    shelter = shelter_get(actor=actor, shelter_id=shelter_id)
    stays = (
        shelter.stays.select_related("person")
        .annotate(open=Q(checked_out_on__isnull=True))
        .order_by("-open", "-checked_in_on", "id")
    )
    return shelter, stays


@dataclass(frozen=True)
class HouseholdFile:
    """Everything the disaster office knows of one affected household (the household page)."""

    affected: AffectedHousehold
    members: list
    stays: list
    aid: list
    aid_fen: int
    decision: Decision | None
    stages: list
    caps: dict[str, int]


def housing_caps(on) -> dict[str, int]:
    """The caps of POLICY §3 in force on `on` (new build, repair), fen."""
    from safetynet.rules import load_parameters

    return {k: int(v) for k, v in load_parameters().at("disaster_housing.cap", on).value.items()}


def household_file(*, actor: User, affected_id: int) -> HouseholdFile:
    from safetynet.registry.models import Membership

    affected = affected_get(actor=actor, affected_id=affected_id)
    members = list(
        Membership.objects.filter(household_id=affected.household_id, end_date__isnull=True)
        .select_related("person")
        .order_by("id")
    )
    stays = list(
        ShelterStay.objects.filter(
            shelter__event_id=affected.event_id, person_id__in=[m.person_id for m in members]
        )
        .select_related("shelter", "person")
        .order_by("checked_in_on", "id")
    )
    aid = list(affected.aid.all())
    decision = None
    stages: list = []
    if affected.housing_case_id:
        decision = Decision.objects.filter(case_id=affected.housing_case_id).first()
        stages = list(HousingStage.objects.filter(case_id=affected.housing_case_id))
    return HouseholdFile(
        affected=affected,
        members=members,
        stays=stays,
        aid=aid,
        aid_fen=sum(a.amount_fen for a in aid),
        decision=decision,
        stages=stages,
        caps=housing_caps(affected.event.occurred_on),
    )

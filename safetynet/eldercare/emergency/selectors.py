"""Reads of the one-key emergencies: scoped to the actor's jurisdiction (the emergency's division,
copied from the person when it opened), the operator's live feed, the card of facts the operator
reads out, and the statistics of response times by street and month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from safetynet.accounts.models import User
from safetynet.core import labels
from safetynet.registry.ids import mask_id_number
from safetynet.registry.models import Membership, Person
from safetynet.registry.selectors import current_enrolments

from . import clock
from .models import AlarmDevice, Emergency, EmergencyEvent, EventKind
from .states import OPEN_STATES, Status


def emergencies_visible_to(actor: User) -> QuerySet[Emergency]:
    prefix = getattr(actor, "scope_prefix", None)
    if prefix is None or not actor.has_perm("eldercare_emergency.view_emergencies"):
        return Emergency.objects.none()
    return Emergency.objects.filter(division__code__startswith=prefix)


def emergency_get(*, actor: User, emergency_id: int) -> Emergency | None:
    return (
        emergencies_visible_to(actor)
        .select_related("person", "division", "device", "responder_user")
        .filter(pk=emergency_id)
        .first()
    )


def is_overdue(e: Emergency, now: dt.datetime) -> bool:
    """No responder yet, and the response limit has passed."""
    return e.status == Status.OPENED and now > e.due_at


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _address(person: Person, membership: Membership | None) -> str:
    if membership is not None and membership.household.address:
        return membership.household.address
    return person.residence_address


def open_emergencies(*, actor: User) -> list[Emergency]:
    return list(
        emergencies_visible_to(actor)
        .filter(status__in=sorted(OPEN_STATES))
        .select_related("person", "device")
        .order_by("opened_at", "id")[:500]
    )


def feed(*, actor: User) -> dict:
    """The operator's live list (polled every few seconds by the screen): every open emergency
    with its overdue flag, oldest first, and the counts."""
    now = clock.now()
    rows = open_emergencies(actor=actor)
    persons = [e.person_id for e in rows]
    memberships = {
        m.person_id: m
        for m in Membership.objects.filter(
            person_id__in=persons, end_date__isnull=True
        ).select_related("household")
    }
    items = []
    for e in rows:
        p = e.person
        waited = int((now - e.opened_at).total_seconds() // 60)
        items.append(
            {
                "id": e.pk,
                "number": e.number,
                "person": p.name,
                "age": _age(p.birth_date, now.date()),
                "address": _address(p, memberships.get(p.pk)),
                "division": labels.division_path(e.division_id),
                "source": e.get_source_display(),
                "status": e.status,
                "status_label": str(e.get_status_display()),
                "opened_at": timezone.localtime(e.opened_at).strftime("%H:%M:%S"),
                "due_at": timezone.localtime(e.due_at).strftime("%H:%M"),
                "minutes": waited,
                "overdue": is_overdue(e, now),
                "responder": e.responder_name,
                "signals": e.signals_count,
                "url": reverse("eldercare_emergency:detail", args=[e.pk]),
            }
        )
    return {
        "now": timezone.localtime(now).strftime("%H:%M:%S"),
        "open": len(items),
        "overdue": sum(1 for i in items if i["overdue"]),
        "items": items,
    }


def card(*, emergency: Emergency) -> dict:
    """What the operator needs on the screen: who, where, whom to call, and the care facts —
    the registry's (household, categories, disability) and eldercare's own (the living
    situation and phone of `ElderProfile`, the contacts, the latest self-care assessment)."""
    from safetynet.eldercare.models import ElderContact, ElderProfile, SelfCareAssessment

    p = emergency.person
    today = clock.now().date()
    membership = (
        Membership.objects.filter(person=p, end_date__isnull=True)
        .select_related("household")
        .first()
    )
    members = []
    if membership is not None:
        members = [
            {"name": m.person.name, "relation": m.get_relation_display()}
            for m in Membership.objects.filter(
                household=membership.household, end_date__isnull=True
            )
            .exclude(person=p)
            .select_related("person")
            if m.person.death_date is None
        ]
    profile = ElderProfile.objects.filter(person=p).first()
    contacts = [
        {"name": c.name, "relation": c.get_relation_display(), "phone": c.phone,
         "primary": c.is_primary}
        for c in ElderContact.objects.filter(person=p)
    ]  # fmt: skip
    assessment = SelfCareAssessment.objects.filter(person=p).select_related("assessed_by").first()
    if profile is not None and profile.living_situation != "unknown":
        living = profile.get_living_situation_display()
    elif membership is None or not members:
        living = None  # the registry shows nobody else in the household
    else:
        living = ""
    categories = sorted(
        {
            str(labels.label("category", c))
            for c in current_enrolments(today).filter(person=p).values_list("category", flat=True)
        }
    )
    phones = sorted(
        {
            v
            for v in Emergency.objects.filter(person=p)
            .exclude(caller_phone="")
            .values_list("caller_phone", flat=True)
        }
    )
    if assessment is not None:
        failed = assessment.failed_items
        selfcare = assessment.level
    else:
        failed = p.selfcare_failed_items
        if failed is None:
            selfcare = "unknown"
        elif failed == 0:
            selfcare = "capable"
        elif failed <= 3:
            selfcare = "partly"
        else:
            selfcare = "fully"
    return {
        "name": p.name,
        "sex": p.get_sex_display(),
        "age": _age(p.birth_date, today),
        "id_number": mask_id_number(p.id_number),
        "address": _address(p, membership),
        "division": labels.division_path(emergency.division_id),
        "members": members,
        "living": living,
        "own_phone": profile.phone if profile is not None else "",
        "contacts": contacts,
        "phones": phones,
        "selfcare": selfcare,
        "selfcare_failed": failed,
        "assessed_on": assessment.assessed_on if assessment is not None else None,
        "assessed_by": (
            (assessment.assessed_by.get_full_name() or assessment.assessed_by.username)
            if assessment is not None
            else ""
        ),
        "disability": (
            f"{p.get_disability_kind_display()} {p.disability_grade}" if p.disability_grade else ""
        ),
        "supporter": p.has_capable_supporter,
        "categories": categories,
        "devices": list(
            AlarmDevice.objects.filter(person=p, is_active=True).values_list("device_id", flat=True)
        ),
    }


def responders_for(emergency: Emergency) -> list:
    """Whom the operator may assign by name: the community workers and street officers of the
    emergency's street, and the staff of admitted providers serving its division."""
    from safetynet.accounts.models import Role
    from safetynet.eldercare.models import ProviderStaff, ProviderStatus

    code = emergency.division_id
    workers = list(
        User.objects.filter(
            is_active=True,
            role__in=[Role.COMMUNITY_WORKER, Role.STREET_OFFICER],
            jurisdiction__code__startswith=code[:9],
        ).order_by("username")[:50]
    )
    prefixes = [code[:n] for n in (6, 9, 12) if len(code) >= n]
    staff = [
        s.user
        for s in ProviderStaff.objects.filter(
            user__is_active=True,
            provider__status=ProviderStatus.APPROVED,
            provider__areas__division_id__in=prefixes,
        )
        .select_related("user", "provider")
        .distinct()
        .order_by("provider_id", "user__username")[:50]
    ]
    return workers + staff


def events_of(emergency: Emergency) -> list[EmergencyEvent]:
    return list(emergency.events.select_related("actor"))


def history_of_person(*, actor: User, person: Person, exclude: int | None = None) -> list:
    return list(
        emergencies_visible_to(actor)
        .filter(person=person)
        .exclude(pk=exclude)
        .order_by("-opened_at")[:20]
    )


def recent_closed(*, actor: User, limit: int = 20) -> list[Emergency]:
    return list(
        emergencies_visible_to(actor)
        .filter(status=Status.CLOSED)
        .select_related("person")
        .order_by("-closed_at")[:limit]
    )


def devices_of(*, actor: User, query: str = "") -> QuerySet[AlarmDevice]:
    from safetynet.registry.selectors import persons_visible_to

    rows = AlarmDevice.objects.filter(person__in=persons_visible_to(actor)).select_related("person")
    if query:
        rows = rows.filter(Q(device_id__icontains=query) | Q(person__name__startswith=query))
    return rows.order_by("device_id")


# ------------------------------------------------------------------------------ statistics


def _month(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m")


def statistics(*, actor: User, year: int) -> dict:
    """Emergencies of `year` by street (the 9-digit division) and by month: how many, how many
    reached a responder, the mean and the slowest response (minutes, opened → first assigned),
    and how many within the limit in force when each opened."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    rows = (
        emergencies_visible_to(actor)
        .filter(opened_at__gte=start, opened_at__lt=end)
        .values_list("division_id", "opened_at", "assigned_at", "limit_minutes")
    )
    by_street: dict[str, dict] = defaultdict(lambda: _bucket())
    by_month: dict[str, dict] = {f"{year}-{m:02d}": _bucket() for m in range(1, 13)}
    total = _bucket()
    for division, opened, assigned, limit in rows:
        minutes = None if assigned is None else (assigned - opened).total_seconds() / 60
        for bucket in (by_street[division[:9]], by_month[_month(opened)], total):
            bucket["count"] += 1
            if minutes is not None:
                bucket["responded"] += 1
                bucket["sum"] += minutes
                bucket["max"] = max(bucket["max"], minutes)
                bucket["within"] += minutes <= limit
    streets = [
        {"code": code, "name": labels.division_name(code), **_finish(b)}
        for code, b in sorted(by_street.items())
    ]
    months = [{"month": m, **_finish(b)} for m, b in by_month.items()]
    return {"year": year, "total": _finish(total), "streets": streets, "months": months}


def _bucket() -> dict:
    return {"count": 0, "responded": 0, "sum": 0.0, "max": 0.0, "within": 0}


def _finish(b: dict) -> dict:
    responded = b["responded"]
    return {
        "count": b["count"],
        "responded": responded,
        "mean_minutes": round(b["sum"] / responded, 1) if responded else None,
        "max_minutes": round(b["max"], 1) if responded else None,
        "within_limit": b["within"],
        "within_share": round(100 * b["within"] / b["count"], 1) if b["count"] else None,
    }


def events_kinds() -> dict:
    return dict(EventKind.choices)

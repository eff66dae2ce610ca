"""Reads for the medical-assistance screens: settlements of the persons in the actor's
jurisdiction (like the registry), a person's annual room, hospitals' statements (city level)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from safetynet.institutions.models import Institution, InstitutionKind
from safetynet.registry.selectors import person_match, persons_visible_to
from safetynet.rules import load_parameters

from .models import AnnualRoom, HospitalStatement, Settlement


def settlements_visible_to(
    actor,
    *,
    hospital: str = "",
    month: str = "",
    person_id: int | None = None,
    q: str = "",
    division: str = "",
) -> QuerySet[Settlement]:
    """Settlements of the persons the actor sees; filtered by hospital, discharge month, person,
    a text (the start of the settlement number or the person's name, or the whole ID number) and
    the person's registered division (the division picker's code; ADR 1033)."""
    qs = Settlement.objects.filter(person__in=persons_visible_to(actor)).select_related(
        "person", "hospital"
    )
    text = (q or "").strip()
    if text:
        qs = qs.filter(
            Q(number__startswith=text.upper())
            | Q(number__startswith=text)
            | person_match(text, "person__")
        )
    if division:
        qs = qs.filter(person__hukou_division__code__startswith=division)
    if hospital:
        qs = qs.filter(hospital__code=hospital)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if month:
        try:
            year, mon = (int(x) for x in month.split("-"))
            qs = qs.filter(discharged_on__year=year, discharged_on__month=mon)
        except ValueError:
            return qs.none()
    return qs.order_by("-discharged_on", "-id")


def hospitals() -> QuerySet[Institution]:
    return Institution.objects.filter(kind=InstitutionKind.HOSPITAL).order_by("code")


@dataclass(frozen=True)
class YearRoom:
    year: int
    cap_fen: int
    used_fen: int
    deductible_borne_fen: int
    settlements: int

    @property
    def room_fen(self) -> int:
        return max(0, self.cap_fen - self.used_fen)


def annual_rooms(person) -> list[YearRoom]:
    """The person's room per year (the cap in force at the year's end, or today)."""
    params = load_parameters()
    today = timezone.localdate()
    out = []
    for room in AnnualRoom.objects.filter(person=person).order_by("-year"):
        on = min(dt.date(room.year, 12, 31), today)
        cap = params.at("medical_assistance.annual_cap", on).value
        out.append(
            YearRoom(
                room.year,
                cap,
                room.assistance_used_fen,
                room.deductible_used_fen,
                room.settlements.filter(status="settled").count(),
            )
        )
    return out


def statements(*, month: str = "", hospital: str = "") -> QuerySet[HospitalStatement]:
    qs = HospitalStatement.objects.select_related("hospital", "bank_file")
    if month:
        qs = qs.filter(month=month)
    if hospital:
        qs = qs.filter(hospital__code=hospital)
    return qs.order_by("-month", "hospital__code")


def reimbursement_files(*, month: str = ""):
    """The hospitals' reimbursement payable files (city finance)."""
    from .models import ReimbursementFile

    qs = ReimbursementFile.objects.all()
    return qs.filter(month=month) if month else qs

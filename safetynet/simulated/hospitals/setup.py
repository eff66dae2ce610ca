"""Demo and load-test set-up of the simulated hospitals: register hospitals, issue each a key,
and list patients who are covered throughout the year (docs/medical.md)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from safetynet.institutions.models import Institution, InstitutionKind
from safetynet.institutions.services import api_key_issue, institution_create
from safetynet.registry.models import Division, DivisionLevel, Enrolment
from safetynet.rules import load_parameters


def setup(*, actor, hospitals: int, patients: int, year: int) -> dict:
    districts = list(
        Division.objects.filter(level=DivisionLevel.DISTRICT, code__startswith="3502")
        .order_by("code")
        .values_list("code", flat=True)
    ) or ["350203"]
    out = []
    for i in range(hospitals):
        code = f"SIMH{i + 1:04d}"
        if not Institution.objects.filter(code=code).exists():
            institution_create(
                actor=actor,
                code=code,
                name=f"模拟医院{i + 1:02d}",
                kind=InstitutionKind.HOSPITAL,
                division_code=districts[i % len(districts)],
                bank_code="102",
                bank_name="中国工商银行厦门分行",
                account_number=f"41000{i + 1:011d}",
                account_holder=f"模拟医院{i + 1:02d}",
            )
        key = api_key_issue(actor=actor, institution_code=code, label="simulator").key
        out.append({"code": code, "key": key})
    covered = load_parameters().at("medical_assistance.categories", dt.date(year, 12, 31)).value
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ids = list(
        Enrolment.objects.filter(category__in=covered, start_date__lte=start)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=end))
        .filter(Q(person__death_date__isnull=True) | Q(person__death_date__gt=end))
        .order_by("person_id")
        .values_list("person__id_number", flat=True)
        .distinct()[:patients]
    )
    return {"year": year, "hospitals": out, "patients": ids}

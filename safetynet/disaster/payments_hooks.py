"""What the payroll pays for disaster relief (ADR 1121): each recorded construction stage of a
housing grant (`housing:<stage id>`) and each month of transitional living aid
(`relief-aid:<aid id>`), as one-off lines of program `disaster_housing`, to the household."""

from __future__ import annotations

from safetynet.rules.catalog import CATALOG

from .models import HousingStage, LivingAid


def stage_grant_rows(month: str, last_day, taken: set[str]) -> list[dict]:
    rows = []
    stages = HousingStage.objects.filter(on__lte=last_day, amount_fen__gt=0).select_related("case")
    for st in stages.order_by("id"):
        ref = f"housing:{st.pk}"
        if ref in taken:
            continue
        case = st.case
        rows.append(
            {
                "beneficiary_key": f"H{case.household_id}",
                "person_id": case.applicant_id,
                "household_id": case.household_id,
                "program": "disaster_housing",
                "benefit_month": f"{st.on:%Y-%m}",
                "source_ref": ref,
                "amount_fen": int(st.amount_fen),
                "reason": f"{CATALOG['disaster_housing'].name_zh} {case.number} "
                f"{st.get_stage_display()}"[:200],
            }
        )
    for aid in LivingAid.objects.filter(month__lte=month).select_related("affected").order_by("id"):
        ref = f"relief-aid:{aid.pk}"
        if ref in taken:
            continue
        head = aid.affected.household.memberships.filter(
            relation="head", end_date__isnull=True
        ).first()
        if head is None:
            continue
        rows.append(
            {
                "beneficiary_key": f"H{aid.affected.household_id}",
                "person_id": head.person_id,
                "household_id": aid.affected.household_id,
                "program": "disaster_housing",
                "benefit_month": aid.month,
                "source_ref": ref,
                "amount_fen": int(aid.amount_fen),
                "reason": f"过渡期生活救助 {aid.month} {aid.persons}人×{aid.days}天"[:200],
            }
        )
    return rows

"""The case notices as PDFs in Chinese (WeasyPrint; Noto Sans CJK SC, as the verification report).

- Public notice (公示) for the community board: names and amounts only — no ID number, no household
  number, no income or asset detail (POLICY §8).
- Decision notice (决定书): an approval states the amount and the first month; a refusal states
  the reasons and the rights of administrative reconsideration and lawsuit, with their time limits
  from the dated `casework.*` parameters."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from safetynet.rules.money import yuan

from . import deadlines
from .models import Case, Notice, program_label

# Programs whose amount is monthly (the others are one-off grants or settled per bill).
MONTHLY = {"dibao", "low_income", "tekun", "illness_poverty", "disability"}


def _render(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # heavy: imported only when a notice is rendered

    with translation.override("zh-hans"):
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf()


def _members(case: Case) -> int:
    return sum(1 for p in case.declared.get("persons", []) if not p.get("death_date"))


def public_notice_context(*, case: Case, notice: Notice) -> dict:
    return {
        "title": "社会救助审核公示",
        "notice": notice,
        "program_zh": program_label(case.program),
        "applicant_name": case.applicant.name,
        "community": case.household.division.name,
        "members": _members(case),
        "amount_yuan": yuan(int(case.proposed_amount_fen or 0)),
        "unit": "/月" if case.program in MONTHLY else "",
        "posted_on": case.notice_posted_on.isoformat(),
        "ends_on": case.notice_ends_on.isoformat(),
        "notice_days": (case.notice_ends_on - case.notice_posted_on).days,
        "office": f"{case.handling_division.name}社会救助经办机构",
    }


def decision_notice_context(*, case: Case, notice: Notice) -> dict:
    decision = case.decision
    approved = decision.outcome == "approved"
    district = case.handling_division.parent
    return {
        "title": "社会救助审批决定书" if approved else "不予批准社会救助决定书",
        "notice": notice,
        "case": case,
        "approved": approved,
        "program_zh": program_label(case.program),
        "applicant_name": case.applicant.name,
        "accepted_on": case.accepted_on.isoformat(),
        "amount_yuan": yuan(int(decision.amount_fen or 0)),
        "unit": "/月" if case.program in MONTHLY else "",
        "start_month": decision.start_month,
        "reasons": decision.reasons,
        "reconsideration_days": deadlines.limit("reconsideration_days", decision.decided_on),
        "lawsuit_months": deadlines.limit("lawsuit_months", decision.decided_on),
        "decided_on": decision.decided_on.isoformat(),
        "decider_office": f"{district.name if district else ''}民政局",
    }


def public_notice_pdf(*, case: Case, notice: Notice) -> bytes:
    return _render("cases/public_notice_pdf.html", public_notice_context(case=case, notice=notice))


def decision_notice_pdf(*, case: Case, notice: Notice) -> bytes:
    return _render(
        "cases/decision_notice_pdf.html", decision_notice_context(case=case, notice=notice)
    )

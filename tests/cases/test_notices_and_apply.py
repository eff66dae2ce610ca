"""The notices' contents (text extracted from the PDFs) and the application's inputs."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from safetynet.cases import services
from safetynet.cases.errors import ServiceError
from safetynet.cases.models import Case, CaseDocument, Notice
from safetynet.registry.models import Household, Person
from safetynet.rules.money import yuan
from safetynet.verification.models import VerificationRequest
from tests.conftest import ZHONGHUA_C1
from tests.helpers.cases import PDF, PNG, RICH, apply, make_id, scan, to_decision


def pdf_text(notice: Notice) -> str:
    with notice.pdf.open("rb") as f:
        data = f.read()
    assert data.startswith(b"%PDF-")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def compact(text: str) -> str:
    return "".join(text.split())


def test_public_notice_has_names_and_amounts_but_no_id_numbers(staff, family, clock):
    case = apply(staff["community_worker"], family)
    case = to_decision(staff, case, clock)
    text = compact(pdf_text(Notice.objects.get(case=case, kind="public")))
    assert family.head.name in text
    assert yuan(case.proposed_amount_fen) in text
    assert "公示" in text
    for p in (family.head, family.spouse):
        assert p.id_number not in text
        assert p.id_number[:6] + p.id_number[6:14] not in text  # not even the birth part
    assert family.household.number not in text
    assert "50000" not in text and "500.00" not in text  # no income detail


def test_approval_notice_states_amount_and_start_month(staff, awaiting, clock):
    decision = services.case_decide(
        actor=staff["district_approver"], case_id=awaiting.pk, outcome="approved"
    )
    text = compact(pdf_text(Notice.objects.get(case=awaiting, kind="decision")))
    assert "批准" in text and "不予批准" not in text
    assert decision.start_month in text
    assert yuan(decision.amount_fen) in text
    assert awaiting.number in text


def test_refusal_notice_states_reasons_and_rights(staff, family, clock):
    case = apply(staff["community_worker"], family, wage=RICH)
    case = to_decision(staff, case, clock)
    decision = services.case_decide(
        actor=staff["district_approver"], case_id=case.pk, outcome="refused"
    )
    text = compact(pdf_text(Notice.objects.get(case=case, kind="decision")))
    assert "不予批准" in text
    for reason in decision.reasons:
        assert compact(reason)[:20] in text
    assert "家庭人均月收入不低于低保标准" in text
    assert "60日内" in text and "行政复议" in text
    assert "6个月内" in text and "行政诉讼" in text
    assert family.head.id_number not in text


# ------------------------------------------------------------------ applications
NEW_HOUSEHOLD = {
    "division": ZHONGHUA_C1,
    "address": "思明区中华街道测试路1号",
    "members": [
        {"relation": "head", "id_number": make_id(dt.date(1960, 1, 2), 7, "F"), "name": "郑大妈"},
        {"relation": "child", "id_number": make_id(dt.date(2012, 5, 6), 7, "M"), "name": "郑小弟"},
    ],
}


def test_an_application_creates_the_household_in_the_same_step(staff, clock):
    cw = staff["community_worker"]
    head_id = NEW_HOUSEHOLD["members"][0]["id_number"]
    case = services.case_apply(
        actor=cw,
        program="temporary_assistance",
        new_household=NEW_HOUSEHOLD,
        declared_income={head_id: {"pension_fen": 30_000}},
        authorization_scan=scan(),
        signed_by="郑大妈",
        signed_on=dt.date(2025, 9, 25),
        documents=[("医疗费用票据", SimpleUploadedFile("bill.jpg", PNG))],
        requests={"temporary_assistance": {"kind": "expenditure", "requested_fen": 300_000}},
    )
    assert case.household.memberships.count() == 2
    assert case.applicant.name == "郑大妈"
    head = Person.objects.get(id_number=head_id)
    assert case.declared["persons"][0]["income"] == {"pension_fen": 30_000}
    assert case.verification_request.declared["persons"][0]["id"] == head.pk
    assert case.verification_request.program == "dibao"  # the household's economic status
    doc = CaseDocument.objects.get(case=case)
    assert doc.kind == "png" and doc.file.name.endswith(".png")
    assert case.declared["requests"]["temporary_assistance"]["requested_fen"] == 300_000


def test_a_refused_application_writes_nothing(staff, family, clock):
    cw = staff["community_worker"]
    counts = lambda: (  # noqa: E731
        Case.objects.count(),
        VerificationRequest.objects.count(),
        Household.objects.count(),
        Person.objects.count(),
    )
    before = counts()

    def attempt(code, **kw):
        args = dict(
            actor=cw,
            program="dibao",
            new_household=NEW_HOUSEHOLD,
            authorization_scan=scan(),
            signed_by="郑大妈",
            signed_on=dt.date(2025, 9, 25),
        )
        args.update(kw)
        with pytest.raises(ServiceError) as exc:
            services.case_apply(**args)
        assert exc.value.code == code, exc.value.message
        assert counts() == before

    attempt("case_program_invalid", program="age_allowance")
    attempt("case_household_invalid", household_id=family.household.pk)  # both given
    attempt("case_household_invalid", new_household={**NEW_HOUSEHOLD, "members": []})
    attempt("authorization_missing", authorization_scan=None)
    attempt("authorization_file_refused", authorization_scan=scan("a.pdf", b"<html>"))
    attempt("authorization_signer_not_member", signed_by="路人甲")
    attempt(
        "case_document_refused",
        documents=[("证明", SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"))],
    )
    attempt("case_applicant_not_member", applicant=family.head.pk)
    attempt(
        "id_checksum",
        new_household={
            **NEW_HOUSEHOLD,
            "members": [{"relation": "head", "id_number": "350203196001020170", "name": "某"}],
        },
    )
    assert PDF  # the good scan is a PDF by content


def test_household_outside_the_jurisdiction_is_not_found(staff, family, clock):
    with pytest.raises(ServiceError) as exc:
        apply(staff["huli_officer"], family)
    assert exc.value.code == "not_found"

"""Institutions with API keys for tests (hospitals, funeral homes, providers; ADR 1100)."""

from safetynet.accounts.models import Role, User
from safetynet.institutions.models import Institution
from safetynet.institutions.services import api_key_issue, institution_create


def city_admin() -> User:
    return User.objects.filter(role=Role.CITY_ADMIN, is_active=True).first()


def make_institution(
    code: str, kind: str = "hospital", division: str = "350203", name: str = ""
) -> Institution:
    return institution_create(
        actor=city_admin(),
        code=code,
        name=name or f"测试机构{code}",
        kind=kind,
        division_code=division,
        bank_code="102",
        bank_name="中国工商银行厦门分行",
        account_number=f"4100{code[-8:]:0>8}",
        account_holder=name or f"测试机构{code}",
    )


def issue_key(institution: Institution, label: str = "test") -> str:
    return api_key_issue(actor=city_admin(), institution_code=institution.code, label=label).key


def key_header(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"ApiKey {key}"}


def result_upload(client, url: str, rf, line, amount_fen: int, day, outcome: str = "paid"):
    """Upload on a statements page the bank's result (CSV) of `line` of payable file `rf`."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from safetynet.payments import bank_format

    row = bank_format.ResultRow(line.reference, line.account, amount_fen, outcome, "", day)
    result = bank_format.ResultFile(rf.reference, rf.bank_code, day, [row])
    content = bank_format.write_result_file(result, "csv")
    upload = SimpleUploadedFile("result.csv", content, content_type="text/csv")
    return client.post(url, {"action": "results", "month": rf.month, "file": upload}, follow=True)

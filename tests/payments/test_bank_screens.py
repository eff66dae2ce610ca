"""The bank pages: make the files, download one (attachment, logged), upload a result with a
failure (and a refused one naming the line), see it among the failed lines, fix the account,
and the line goes into the next payroll's file. Chinese first; the files never reach a URL
outside the checked view."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from safetynet.payments.models import BankAccount, BankFile, PaymentLine, PayrollEvent
from tests.helpers.banks import Fault, approved_payroll, bank_answer, set_account

ZW, ZX = "6222000000000000001", "6222000000000000003"


@pytest.fixture
def june(registry, users):
    ca = users["city_admin"]
    set_account(ca, registry.zhang_wei, ZW)
    set_account(ca, registry.zhang_xiaoming, ZX)
    payroll, lines = approved_payroll(
        "2020-06",
        [(registry.zhang_wei, "dibao", 80_000), (registry.zhang_xiaoming, "disabled", 12_345)],
    )
    return payroll, lines


def test_make_download_upload_fix(client, users, registry, june):
    payroll, lines = june
    client.force_login(users["city_admin"])
    page = client.get(reverse("payments-banks:payroll", args=[payroll.pk]))
    assert page.status_code == 200 and "生成代发文件" in page.content.decode()
    r = client.post(reverse("payments-banks:make", args=[payroll.pk]), {"format": "csv"})
    assert r.status_code == 302
    bf = BankFile.objects.get()
    r = client.get(reverse("payments-banks:download", args=[bf.pk]))
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith('attachment; filename="PR2020-06-ICBC.csv"')
    assert r["X-Content-Type-Options"] == "nosniff" and "no-store" in r["Cache-Control"]
    content = b"".join(r.streaming_content)
    assert PayrollEvent.objects.filter(
        kind="bank_file_downloaded", data__file=bf.reference
    ).exists()
    faults = {("ICBC", ZX): Fault("account_closed", "张小明")}
    ((name, result, _n),) = bank_answer(bf, faults)
    # a doubled line: refused on the page, the row named, nothing written
    doubled = result.replace("笔数,2".encode(), "笔数,3".encode()) + result.splitlines(True)[-1]
    r = client.post(
        reverse("payments-banks:results"),
        {"payroll": payroll.pk, "files": SimpleUploadedFile(name, doubled)},
    )
    assert r.status_code == 422
    assert "第 10 行" in r.content.decode() or "row 10" in r.content.decode()
    assert PaymentLine.objects.in_state("sent").count() == 2
    r = client.post(
        reverse("payments-banks:results"),
        {"payroll": payroll.pk, "files": SimpleUploadedFile(name, result)},
    )
    assert r.status_code == 302
    page = client.get(reverse("payments-banks:payroll", args=[payroll.pk])).content.decode()
    assert "对账" in page and "123.45" in page
    x = client.get(reverse("payments-banks:reconciliation-xlsx", args=[payroll.pk]))
    ws = load_workbook(io.BytesIO(x.content)).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    # ICBC: sent 2 / 923.45 (800.00 + 123.45), paid 1 / 800.00, failed 1 / 123.45, pending 0,
    # returned by the bank after payment 0
    assert rows[4] == [
        "ICBC", "中国工商银行", 2, "923.45", 1, "800.00", 1, "123.45", 0, "0.00", 0, "0.00",
    ]  # fmt: skip
    assert rows[5][0] == "合计" and rows[5][3] == "923.45"
    failed = client.get(reverse("payments-banks:failed")).content.decode()
    assert "张小明" in failed and "账户已销户" in failed and ZX not in failed  # masked
    r = client.post(
        reverse("payments-banks:fix", args=[lines[1].pk]),
        {"bank_code": "ICBC", "bank_name": "中国工商银行", "account_number": "12",
         "holder_name": "张小明"},
    )  # fmt: skip
    assert r.status_code == 422
    r = client.post(
        reverse("payments-banks:fix", args=[lines[1].pk]),
        {"bank_code": "ICBC", "bank_name": "中国工商银行",
         "account_number": "6222000000000000099", "holder_name": "张小明"},
    )  # fmt: skip
    assert r.status_code == 302
    assert (
        BankAccount.objects.get(
            person=registry.zhang_xiaoming, valid_to__isnull=True
        ).account_number
        == "6222000000000000099"
    )
    assert "账户已更正" in client.get(reverse("payments-banks:failed")).content.decode()
    assert content.decode("utf-8-sig").count("\r\n") == 12


def test_roles_and_scope(client, users, june):
    payroll, _ = june
    client.force_login(users["street_officer"])
    assert client.get(reverse("payments-banks:payroll", args=[payroll.pk])).status_code == 200
    assert client.post(reverse("payments-banks:make", args=[payroll.pk])).status_code == 403
    assert not BankFile.objects.exists()
    client.force_login(users["city_admin"])
    client.post(reverse("payments-banks:make", args=[payroll.pk]), {"format": "xlsx"})
    bf = BankFile.objects.get()
    client.force_login(users["street_officer"])  # city-wide files: finance office and auditor
    assert client.get(reverse("payments-banks:download", args=[bf.pk])).status_code == 404
    r = client.post(reverse("payments-banks:results"), {"files": SimpleUploadedFile("x.csv", b"x")})
    assert r.status_code == 403
    client.force_login(users["community_worker"])  # may not see payrolls
    assert client.get(reverse("payments-banks:home")).status_code == 403

"""The providers' statements paid by bank file (ADR 1210, the shared institutions/
reimbursement.py): service, screen and CLI. Amounts hand-computed in fen."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.core.errors import ServiceError
from safetynet.eldercare import services, settlement
from safetynet.eldercare.models import ProviderStatement
from safetynet.funds.models import JournalEntry, Posting
from safetynet.payments import bank_format
from tests.helpers.institutions import result_upload

pytestmark = pytest.mark.django_db

MONTH = "2026-12"
AFTER = dt.date(2027, 1, 5)
PAYABLE = "Liabilities:Payable:EldercareCredit"


@pytest.fixture
def stated(users, registry, op, provider, staff):
    """张伟 (dibao, 200.00 of credit) has two orders settled by card in the month: bathing
    80.00 + housekeeping 50.00 = 130.00 from the credit, half city, half 思明区 → one statement
    of 13,000 fen."""
    admin, zw = users["city_admin"], registry.zhang_wei
    services.credit_grant_month(actor=admin, month=MONTH)
    card = services.card_issue(actor=op, person_id=zw.pk)
    mine = services.provider_for_staff(staff)
    for item in ("bathing", "housekeeping"):
        order = services.order_create(actor=op, person_id=zw.pk, item=item)
        services.order_accept(provider=mine, number=order.number, user=staff)
        services.order_complete(provider=mine, number=order.number, staff="周敏", user=staff)
        services.order_settle(
            provider=mine, number=order.number, card_number=card.number, user=staff
        )
    [st] = settlement.provider_statements_make(actor=admin, month=MONTH, today=AFTER)
    assert (st.orders_count, st.amount_fen, st.city_fen, st.district_fen) == (2, 13000, 6500, 6500)
    return st


def _answer(rf, line, outcome: str, amount_fen: int = 13000) -> bytes:
    reason = "account_closed" if outcome == "failed" else ""
    row = bank_format.ResultRow(line.reference, line.account, amount_fen, outcome, reason, AFTER)
    return bank_format.write_result_file(
        bank_format.ResultFile(rf.reference, rf.bank_code, AFTER, [row]), "csv"
    )


def _balance(code: str) -> int:
    return sum(Posting.objects.filter(account__code=code).values_list("amount_fen", flat=True))


def test_statement_paid_by_bank_file_failed_waits_then_paid_settles_the_payable(
    users, provider, stated
):
    admin = users["city_admin"]
    assert _balance(PAYABLE) == -13000
    [rf] = settlement.reimbursement_files_make(actor=admin, month=MONTH, fmt="csv", today=AFTER)
    assert rf.reference == f"YL202612{provider.bank_code}-1"
    with rf.file.open("rb") as fh:
        [line] = bank_format.read_payment_file(fh.read()).rows
    assert (line.account, line.name, line.id_number, line.amount_fen, line.reference) == (
        provider.account_number, provider.account_holder, provider.credit_code, 13000,
        f"{rf.reference}-{stated.pk}",
    )  # fmt: skip
    funding = JournalEntry.objects.get(source=f"funding:eldercare:{rf.reference}")
    legs = {p.account.code: p.amount_fen for p in funding.postings.all()}
    assert legs["Assets:Clearing:Bank"] == 13000 and sum(legs.values()) == 0
    with pytest.raises(ServiceError) as err:  # on a file already: nothing more to pay
        settlement.reimbursement_files_make(actor=admin, month=MONTH, today=AFTER)
    assert err.value.code == "nothing_to_pay"

    # the bank fails the line: the money back, the statement still payable, free for a file
    out = settlement.reimbursement_results_import(
        actor=admin, content=_answer(rf, line, "failed"), today=AFTER
    )
    assert (out.paid, out.failed) == (0, 1)
    stated.refresh_from_db()
    assert (stated.bank_file, stated.paid_on) == (None, None)
    assert _balance(PAYABLE) == -13000
    assert _balance("Assets:Clearing:Bank") == 0

    # the next file pays it: the payable settled
    [again] = settlement.reimbursement_files_make(actor=admin, month=MONTH, today=AFTER)
    assert again.reference == f"YL202612{provider.bank_code}-2" and again.total_fen == 13000
    with again.file.open("rb") as fh:
        [line2] = bank_format.read_payment_file(fh.read()).rows
    out = settlement.reimbursement_results_import(
        actor=admin, content=_answer(again, line2, "paid"), today=AFTER
    )
    assert (out.paid, out.failed) == (1, 0)
    stated.refresh_from_db()
    assert stated.paid_on == AFTER and stated.bank_file == again
    assert _balance(PAYABLE) == 0
    assert _balance("Assets:Clearing:Bank") == 0
    paid = JournalEntry.objects.get(source=f"paid:eldercare:{again.reference}")
    assert {p.account.code: p.amount_fen for p in paid.postings.all()}[PAYABLE] == 13000
    with pytest.raises(ServiceError) as err:
        settlement.reimbursement_files_make(actor=admin, month=MONTH, today=AFTER)
    assert err.value.code == "nothing_to_pay"


def test_only_the_city_sends_and_a_bad_month_is_refused(users, stated):
    with pytest.raises(ServiceError) as err:
        settlement.reimbursement_files_make(actor=users["street_officer"], month=MONTH)
    assert err.value.code == "not_permitted"
    with pytest.raises(ServiceError) as err:
        settlement.reimbursement_files_make(actor=users["city_admin"], month="2026-13")
    assert err.value.problems[0].field == "month"
    stated.refresh_from_db()
    assert stated.bank_file is None


def test_file_downloaded_and_result_uploaded_on_the_page(client, users, stated):
    """A wrong amount refuses the whole file and nothing changes; the right one pays."""
    client.force_login(users["city_admin"])
    r = client.post("/eldercare/statements/", {"action": "pay", "month": MONTH}, follow=True)
    assert "1" in r.content.decode()
    stated.refresh_from_db()
    rf = stated.bank_file
    page = client.get("/eldercare/statements/").content.decode()
    assert rf.reference in page and 'data-testid="results-form"' in page
    download = client.get(f"/eldercare/statements/files/{rf.pk}/")
    [line] = bank_format.read_payment_file(b"".join(download.streaming_content)).rows
    assert line.amount_fen == 13000
    entries = JournalEntry.objects.count()
    day = dt.date(2027, 1, 6)
    body = result_upload(client, "/eldercare/statements/", rf, line, 13001, day).content.decode()
    assert "银行回盘文件被拒收" in body and "unknown line" in body
    stated.refresh_from_db()
    assert (stated.paid_on, stated.bank_file) == (None, rf)
    assert JournalEntry.objects.count() == entries
    body = result_upload(client, "/eldercare/statements/", rf, line, 13000, day).content.decode()
    assert "成功 1 笔" in body
    stated.refresh_from_db()
    assert stated.paid_on is not None
    # the street officer may see the statements but neither download nor upload
    client.force_login(users["street_officer"])
    assert client.get(f"/eldercare/statements/files/{rf.pk}/").status_code == 403
    page = client.get("/eldercare/statements/")
    assert page.status_code == 200 and rf.reference not in page.content.decode()
    r = client.post("/eldercare/statements/", {"action": "pay", "month": MONTH})
    assert r.status_code == 403


def run(*args) -> str:
    out = io.StringIO()
    call_command("eldercare", *args, stdout=out)
    return out.getvalue()


def test_cli_reimburse_and_results_and_bad_input_exit_2(users, stated, tmp_path):
    with pytest.raises(CommandError) as err:
        run("reimburse", "--month", "2026-13", "--out", str(tmp_path), "--as", "ca")
    assert err.value.returncode == 2 and "month" in str(err.value)
    with pytest.raises(CommandError) as err:
        run("results", str(tmp_path / "missing.csv"), "--as", "ca")
    assert err.value.returncode == 2
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"not,a,result\n")
    with pytest.raises(CommandError) as err:
        run("results", str(garbage), "--as", "ca")
    assert err.value.returncode == 2 and "result_file_invalid" in str(err.value)
    with pytest.raises(CommandError) as err:
        run("reimburse", "--month", MONTH, "--out", str(tmp_path), "--as", "nobody")
    assert err.value.returncode == 2
    out = run("reimburse", "--month", MONTH, "--format", "csv", "--out", str(tmp_path / "f"),
              "--as", "ca")  # fmt: skip
    assert ": 1 lines -> " in out
    [path] = (tmp_path / "f").iterdir()
    [line] = bank_format.read_payment_file(path.read_bytes()).rows
    assert line.amount_fen == 13000
    stated.refresh_from_db()
    answer = tmp_path / "answer.csv"
    answer.write_bytes(_answer(stated.bank_file, line, "paid"))
    assert run("results", str(answer), "--as", "ca") == "paid 1, failed 0\n"
    assert ProviderStatement.objects.get().paid_on is not None


def test_a_line_answered_twice_or_again_is_refused_and_nothing_is_booked_twice(users, stated):
    """The shared results import (institutions/reimbursement.py): a result naming one line twice
    refuses the whole file; a line already paid cannot be answered again by another file."""
    admin = users["city_admin"]
    [rf] = settlement.reimbursement_files_make(actor=admin, month=MONTH, fmt="csv", today=AFTER)
    with rf.file.open("rb") as fh:
        [line] = bank_format.read_payment_file(fh.read()).rows
    row = bank_format.ResultRow(line.reference, line.account, 13000, "paid", "", AFTER)
    twice = bank_format.write_result_file(
        bank_format.ResultFile(rf.reference, rf.bank_code, AFTER, [row, row]), "csv"
    )
    with pytest.raises(ServiceError) as err:
        settlement.reimbursement_results_import(actor=admin, content=twice, today=AFTER)
    assert err.value.code == "result_file_invalid" and "appears twice" in str(err.value)
    stated.refresh_from_db()
    assert stated.paid_on is None and _balance(PAYABLE) == -13000  # nothing written

    settlement.reimbursement_results_import(
        actor=admin, content=_answer(rf, line, "paid"), today=AFTER
    )
    assert _balance(PAYABLE) == 0
    later = AFTER + dt.timedelta(days=1)
    row = bank_format.ResultRow(line.reference, line.account, 13000, "paid", "", later)
    again = bank_format.write_result_file(
        bank_format.ResultFile(rf.reference, rf.bank_code, later, [row]), "csv"
    )
    with pytest.raises(ServiceError) as err:
        settlement.reimbursement_results_import(actor=admin, content=again, today=later)
    assert err.value.code == "result_file_invalid"
    assert _balance(PAYABLE) == 0  # paid once, booked once

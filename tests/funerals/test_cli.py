"""`safetynet funerals`: statements, the reimbursement file and the bank's results on the command
line; bad input exits 2 naming the field."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.funerals.models import FuneralStatement
from safetynet.payments import bank_format
from safetynet.simulated.funeral_homes.client import record_body
from tests.helpers.institutions import issue_key, key_header, make_institution

pytestmark = pytest.mark.django_db


def test_statements_file_and_results(client, registry, users, tmp_path, capsys):
    home = make_institution("F350203001", "funeral_home", name="厦门市殡仪馆")
    body = record_body("BZ-1", registry.zhang_wei.id_number, dt.date(2024, 3, 5))
    client.post(
        "/api/funeral-homes/services/", data=json.dumps(body),
        content_type="application/json", **key_header(issue_key(home)),
    )  # fmt: skip
    with pytest.raises(CommandError) as exc:
        call_command("funerals", "statements", "--month", "2024-13", "--as", "ca")
    assert exc.value.returncode == 2 and "month" in str(exc.value)
    call_command("funerals", "statements", "--month", "2024-03", "--as", "ca")
    assert f"{home.code}\t2024-03\t1\t145000" in capsys.readouterr().out
    call_command(
        "funerals", "reimbursement-file", "--month", "2024-03", "--as", "ca", "--format", "csv",
        "--out", str(tmp_path),
    )  # fmt: skip
    [path] = tmp_path.iterdir()
    pf = bank_format.read_payment_file(path.read_bytes())
    row = pf.rows[0]
    result = bank_format.ResultFile(pf.reference, pf.bank_code, dt.date(2024, 4, 4), [
        bank_format.ResultRow(row.reference, row.account, row.amount_fen, "paid", "",
                              dt.date(2024, 4, 4)),
    ])  # fmt: skip
    answer = tmp_path / "answer.csv"
    answer.write_bytes(bank_format.write_result_file(result, "csv"))
    call_command("funerals", "results", "--file", str(answer), "--as", "ca")
    assert "paid\t1" in capsys.readouterr().out
    assert FuneralStatement.objects.get().paid_on is not None
    with pytest.raises(CommandError) as exc:
        call_command("funerals", "results", "--file", str(answer), "--as", "nobody")
    assert exc.value.returncode == 2 and "--as" in str(exc.value)

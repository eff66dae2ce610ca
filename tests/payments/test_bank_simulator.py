"""The simulated bank: known faults, random failures and late answers, deterministic for a seed;
the generator's bank accounts (recipients only, a few broken, byte-identical for a seed)."""

import datetime as dt
import hashlib
import json
import urllib.request

import pyarrow.parquet as pq
import pytest

from safetynet.payments.bank_format import (
    PaymentFile,
    PaymentRow,
    read_result_file,
    write_payment_file,
)
from safetynet.simulated.banks.bank import BankBehaviour, Fault, SimulatedBank, load_faults
from safetynet.simulated.banks.server import BankServer, answer_payment_file
from safetynet.simulated.generator import generate


def _file(n: int = 400) -> PaymentFile:
    f = PaymentFile("PR2020-06-ICBC-1", "2020-06", "ICBC", "中国工商银行", dt.date(2020, 7, 10))
    f.rows = [
        PaymentRow(f"62280000000{i:08d}", "张三", "350203199001010011", 1000 + i, f"L{i}A1")
        for i in range(n)
    ]
    return f


FAULTS = {
    ("ICBC", "6228000000000000000"): Fault("account_closed", "张三"),
    ("ICBC", "6228000000000000001"): Fault("name_mismatch", "张三"),  # the file's name is right
    ("ICBC", "6228000000000000002"): Fault("name_mismatch", "张叁"),
}


def test_known_faults_and_rates_deterministic():
    bank = SimulatedBank(FAULTS, BankBehaviour(failure_rate=0.1, late_rate=0.2, seed=3))
    files = bank.answer(_file())
    again = SimulatedBank(FAULTS, BankBehaviour(failure_rate=0.1, late_rate=0.2, seed=3))
    assert again.answer(_file()) == files
    rows = {r.reference: r for f in files for r in f.rows}
    assert len(rows) == 400  # every line answered exactly once, early or late
    assert (rows["L0A1"].outcome, rows["L0A1"].reason) == ("failed", "account_closed")
    assert rows["L2A1"].reason == "name_mismatch"
    assert rows["L1A1"].reason != "name_mismatch"
    failed = sum(r.outcome == "failed" for r in rows.values())
    late = len(files[1].rows)
    assert 20 <= failed <= 70 and 50 <= late <= 120  # ~10 % + 2 known, ~20 %
    assert files[0].answered == dt.date(2020, 7, 11) and files[1].answered == dt.date(2020, 7, 13)
    other = SimulatedBank(FAULTS, BankBehaviour(failure_rate=0.1, late_rate=0.2, seed=4))
    assert other.answer(_file()) != files


def test_no_failures_at_rate_zero():
    bank = SimulatedBank({}, BankBehaviour(failure_rate=0.0, late_rate=0.0))
    (only,) = bank.answer(_file(50))
    assert {r.outcome for r in only.rows} == {"paid"}


def test_offline_answer_and_server_agree():
    bank = SimulatedBank(FAULTS, BankBehaviour(failure_rate=0.05, late_rate=0.1, seed=1))
    content = write_payment_file(_file(100), "csv")
    offline = answer_payment_file(bank, content)
    server = BankServer(bank, port=0)
    server.start()
    try:
        req = urllib.request.Request(f"{server.url}/v1/payment-files", data=content, method="POST")
        with urllib.request.urlopen(req) as r:
            body = json.loads(r.read())
        assert body["lines"] == 100 and len(body["results"]) == len(offline)
        for res, (_name, data, lines) in zip(body["results"], offline, strict=True):
            with urllib.request.urlopen(server.url + res["url"]) as r:
                assert r.read() == data
            assert res["lines"] == lines
        bad = urllib.request.Request(
            f"{server.url}/v1/payment-files", data=b"nonsense", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(bad)
        assert e.value.code == 400
    finally:
        server.stop()
    assert read_result_file(offline[0][1]).reference == "PR2020-06-ICBC-1"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generated_bank_accounts(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(out=a, persons=3000, seed=7)
    generate(out=b, persons=3000, seed=7)
    for rel in ("bank_accounts.parquet", "ground_truth/bank_faults.parquet"):
        assert _digest(a / rel) == _digest(b / rel)
    acc = pq.read_table(a / "bank_accounts.parquet").to_pylist()
    faults = pq.read_table(a / "ground_truth/bank_faults.parquet").to_pylist()
    persons = {r["person_id"]: r for r in pq.read_table(a / "persons.parquet").to_pylist()}
    enr = pq.read_table(a / "enrolments.parquet").to_pylist()
    ref = dt.date(2020, 6, 30)
    enrolled = {r["person_id"] for r in enr if r["end_date"] is None or r["end_date"] >= ref}
    got = {r["person_id"] for r in acc}
    assert enrolled - {p for p in enrolled if persons[p]["death_date"]} <= got
    assert all(persons[p]["death_date"] is None for p in got)  # living payees only
    assert len({r["account_number"] for r in acc}) == len(acc)
    kinds = {f["fault"] for f in faults}
    assert kinds == {"account_closed", "name_mismatch"}
    by_acc = {r["account_number"]: r for r in acc}
    for f in faults:
        mine = by_acc[f["account_number"]]
        real = persons[f["person_id"]]["name"]
        assert f["bank_holder_name"] == real
        if f["fault"] == "name_mismatch":
            assert mine["holder_name"] != real and len(mine["holder_name"]) == len(real)
        else:
            assert mine["holder_name"] == real and f["replacement_account_number"] not in by_acc
    assert set(load_faults(a)) == {(f["bank_code"], f["account_number"]) for f in faults}
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["files"]["bank_accounts.parquet"] == len(acc)

"""`safetynet load` puts the city's bank_accounts.parquet into BankAccount (payments hook), with a
history row each; bank files of the loaded accounts reach the simulated bank, which fails the
planted broken accounts (closed, name mismatch) and pays the rest."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from safetynet.payments.bank_services import bank_files_make, bank_results_import
from safetynet.payments.models import BankAccount, PaymentLine
from safetynet.registry.loading import city_load
from safetynet.registry.models import Person
from safetynet.simulated.banks.bank import BankBehaviour, SimulatedBank, load_faults
from safetynet.simulated.banks.server import answer_payment_file
from safetynet.simulated.generator import generate
from tests.helpers.banks import approved_payroll, file_content


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "bank-city"
    generate(out=out, persons=1_500, seed=5)
    return out


def test_loaded_accounts_and_the_banks_answer(db, users, city):
    report = city_load(city)
    rows = pq.read_table(city / "bank_accounts.parquet").to_pylist()
    assert report.rows["bank accounts"] == len(rows) == BankAccount.objects.count()
    assert BankAccount.history.count() == len(rows)
    first = BankAccount.objects.order_by("id").first()
    assert (first.person_id, first.account_number, first.holder_name, first.valid_to) == (
        rows[0]["person_id"], rows[0]["account_number"], rows[0]["holder_name"], None,
    )  # fmt: skip
    # one month of 100 yuan to every account holder; the bank knows the broken ones
    persons = Person.objects.filter(bank_accounts__isnull=False).order_by("id")
    payroll, _lines = approved_payroll("2020-06", [(p, "test", 10_000) for p in persons])
    made = bank_files_make(actor=users["city_admin"], payroll=payroll, fmt="csv")
    assert made.lines == len(rows) and made.total_fen == 10_000 * len(rows) and not made.held
    bank = SimulatedBank(load_faults(city), BankBehaviour(failure_rate=0.0, late_rate=0.0))
    answers = [answer_payment_file(bank, file_content(bf)) for bf in made.files]
    result = bank_results_import(
        actor=users["city_admin"], files=[(n, d) for a in answers for n, d, _ in a]
    )
    faults = pq.read_table(city / "ground_truth/bank_faults.parquet").to_pylist()
    assert result.failed == len(faults) > 0
    failed = set(PaymentLine.objects.filter(status="failed").values_list("person_id", flat=True))
    assert failed == {f["person_id"] for f in faults}

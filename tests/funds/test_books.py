"""The books: one balanced entry per event, with amounts computed by hand; the balance held by
the database itself (raw SQL refused) on SQLite and PostgreSQL alike."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from safetynet.core.errors import ServiceError
from safetynet.funds import chart
from safetynet.funds import services as fs
from safetynet.funds.models import JournalEntry, Posting
from safetynet.funds.selectors import account_balances, trial_balance, unbalanced_entries
from tests.helpers.funds import HULI, MARCH_ROWS, SIMING, book_year

pytestmark = pytest.mark.django_db


def _legs(entry):
    return sorted(
        (p.account.code, p.district, p.amount_fen) for p in entry.postings.select_related("account")
    )


def test_chart_names_are_beancount_names():
    assert chart.budget_income("city", "", "dibao").code == "Income:Budget:City:Dibao"
    assert chart.payable("low_income").code == "Liabilities:Payable:LowIncome"
    assert chart.benefit_expense("district", SIMING, "retired_40pct").code == (
        "Expenses:Benefits:District:D350203:Retired40pct"
    )
    with pytest.raises(ValueError):
        chart.treasury("district", "3502")


def test_approval_splits_each_line_by_level(users):
    entry = fs.post_payroll_approval(
        actor=users["city_admin"],
        payroll_id=1,
        month="2026-03",
        on=dt.date(2026, 3, 3),
        rows=MARCH_ROWS,
    )
    assert entry.kind == "approval" and entry.posting_count == 10
    assert _legs(entry) == sorted(
        [
            ("Expenses:Benefits:City:Dibao", SIMING, 60000),
            ("Expenses:Benefits:City:Dibao", HULI, 12000),
            ("Expenses:Benefits:District:D350203:Dibao", SIMING, 30000),
            ("Expenses:Benefits:District:D350206:Dibao", HULI, 6000),
            ("Expenses:Benefits:Street:D350203:Dibao", SIMING, 10000),
            ("Expenses:Benefits:Street:D350206:Dibao", HULI, 2000),
            ("Expenses:Benefits:City:Tekun", SIMING, 50000),
            ("Liabilities:Payable:Dibao", SIMING, -100000),
            ("Liabilities:Payable:Dibao", HULI, -20000),
            ("Liabilities:Payable:Tekun", SIMING, -50000),
        ]
    )
    # booked once: a second approval of the same payroll returns the same entry
    again = fs.post_payroll_approval(
        actor=users["city_admin"],
        payroll_id=1,
        month="2026-03",
        on=dt.date(2026, 3, 4),
        rows=MARCH_ROWS,
    )
    assert again.pk == entry.pk and JournalEntry.objects.count() == 1


def test_every_kind_of_event_books_one_balanced_entry(users):
    out = book_year(users["city_admin"])
    kinds = {k: v if isinstance(v, JournalEntry) else v.entry for k, v in out.items()}
    assert _legs(kinds["paid"]) == sorted(
        [
            ("Liabilities:Payable:Dibao", SIMING, 100000),
            ("Liabilities:Payable:Tekun", SIMING, 50000),
            # the clearing account has no program; its legs still say whose money (dimension)
            ("Assets:Clearing:Bank", SIMING, -100000),
            ("Assets:Clearing:Bank", SIMING, -50000),
        ]
    )
    assert _legs(kinds["failed"]) == sorted(
        [
            ("Assets:Treasury:City", HULI, 12000),
            ("Assets:Treasury:District:D350206", HULI, 6000),
            ("Assets:Treasury:Street:D350206", HULI, 2000),
            ("Assets:Clearing:Bank", HULI, -20000),
        ]
    )
    assert _legs(kinds["recovery"]) == sorted(
        [
            ("Assets:Receivable:Recoveries:Dibao", SIMING, 30000),
            ("Expenses:Benefits:City:Dibao", SIMING, -18000),
            ("Expenses:Benefits:District:D350203:Dibao", SIMING, -9000),
            ("Expenses:Benefits:Street:D350203:Dibao", SIMING, -3000),
        ]
    )
    assert _legs(kinds["deduction"]) == [
        ("Assets:Receivable:Recoveries:Dibao", SIMING, -10000),
        ("Liabilities:Payable:Dibao", SIMING, 10000),
    ]
    assert _legs(kinds["write_off"]) == [
        ("Assets:Receivable:Recoveries:Dibao", SIMING, -15000),
        ("Expenses:WriteOff:Dibao", SIMING, 15000),
    ]
    # 10 yuan × 1,000 registered persons
    assert out["ta_fund"].amount_fen == 1_000_000
    balances = account_balances()
    assert balances["Assets:Treasury:City"] == 1_359_000
    assert balances["Assets:Treasury:District:D350203"] == 258_000
    assert balances["Assets:Treasury:Street:D350203"] == 86_000
    assert balances["Assets:Treasury:District:D350206"] == -6_000
    assert balances["Assets:Clearing:Bank"] == 0
    assert balances["Liabilities:Payable:Dibao"] == 0
    assert balances["Liabilities:Payable:Tekun"] == 0
    assert balances["Assets:Receivable:Recoveries:Dibao"] == 0
    assert balances["Expenses:Benefits:City:Dibao"] == 84_000
    assert balances["Expenses:Benefits:District:D350203:Dibao"] == 36_000
    assert balances["Expenses:WriteOff:Dibao"] == 15_000
    assert balances["Income:Lottery"] == -8_000_000
    assert balances["Income:Donations"] == -123_456
    assert balances["Income:Fund:TemporaryAssistance"] == -1_000_000
    assert trial_balance() == 0 and unbalanced_entries() == []


def test_journal_post_refuses_unbalanced_and_doubled(users):
    a = users["city_admin"]
    legs = [fs.Leg(chart.treasury("city"), 100), fs.Leg(chart.bank_clearing(), -99)]
    with pytest.raises(ServiceError) as exc:
        fs.journal_post(actor=a, on=dt.date(2026, 1, 1), memo="x", source="refund:x", postings=legs)
    assert exc.value.code == "journal_unbalanced"
    ok = [fs.Leg(chart.treasury("city"), 100), fs.Leg(chart.bank_clearing(), -100)]
    fs.journal_post(actor=a, on=dt.date(2026, 1, 1), memo="x", source="refund:x", postings=ok)
    with pytest.raises(ServiceError) as exc:
        fs.journal_post(actor=a, on=dt.date(2026, 1, 1), memo="x", source="refund:x", postings=ok)
    assert exc.value.code == "journal_already_posted"
    with pytest.raises(ServiceError) as exc:
        fs.journal_post(actor=a, on=dt.date(2026, 1, 1), memo="x", source="nonsense:1", postings=ok)
    assert exc.value.code == "journal_source_invalid"
    assert JournalEntry.objects.count() == 1


def _raw_entry(cursor, source: str, declared: int) -> int:
    cursor.execute(
        'INSERT INTO funds_journalentry ("on", kind, memo, source, posting_count, created_at) '
        "VALUES (%s, 'refund', 'raw', %s, %s, %s)",
        [dt.date(2026, 1, 1), source, declared, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
    )
    cursor.execute("SELECT id FROM funds_journalentry WHERE source = %s", [source])
    return cursor.fetchone()[0]


def _raw_posting(cursor, entry_id: int, account_id: int, fen: int) -> None:
    cursor.execute(
        "INSERT INTO funds_posting (entry_id, account_id, amount_fen, district, program) "
        "VALUES (%s, %s, %s, '', '')",
        [entry_id, account_id, fen],
    )


def _check_deferred(cursor) -> None:
    """PostgreSQL checks at commit: fire the deferred triggers now (inside the test's
    transaction). SQLite checked on the insert itself."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize("amounts", [(100, -99), (100, -100, 5)])
def test_database_refuses_an_unbalanced_entry_written_with_raw_sql(users, amounts):
    a = fs.account_get(chart.treasury("city"), on=dt.date(2026, 1, 1))
    b = fs.account_get(chart.bank_clearing(), on=dt.date(2026, 1, 1))
    with (
        pytest.raises(IntegrityError, match="funds: journal entry"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        entry_id = _raw_entry(cursor, "refund:raw", len(amounts))
        for i, fen in enumerate(amounts):
            _raw_posting(cursor, entry_id, (a, b)[i % 2].pk, fen)
        _check_deferred(cursor)
    assert not JournalEntry.objects.filter(source="refund:raw").exists()
    assert not Posting.objects.exists()


def test_database_refuses_more_postings_than_declared_and_any_change(users):
    a = fs.account_get(chart.treasury("city"), on=dt.date(2026, 1, 1))
    b = fs.account_get(chart.bank_clearing(), on=dt.date(2026, 1, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        entry_id = _raw_entry(cursor, "refund:ok", 2)
        _raw_posting(cursor, entry_id, a.pk, 100)
        _raw_posting(cursor, entry_id, b.pk, -100)
        _check_deferred(cursor)
    with (
        pytest.raises(IntegrityError, match="funds: journal entry"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_posting(cursor, entry_id, a.pk, 0 + 7)
        _raw_posting(cursor, entry_id, b.pk, -7)
        _check_deferred(cursor)
    with (
        pytest.raises(IntegrityError, match="never changed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE funds_posting SET amount_fen = 200 WHERE amount_fen = 100")
    assert sorted(Posting.objects.values_list("amount_fen", flat=True)) == [-100, 100]


def test_balanced_raw_sql_is_accepted(users):
    a = fs.account_get(chart.treasury("city"), on=dt.date(2026, 1, 1))
    b = fs.account_get(chart.bank_clearing(), on=dt.date(2026, 1, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        entry_id = _raw_entry(cursor, "refund:fine", 3)
        _raw_posting(cursor, entry_id, a.pk, 100)
        _raw_posting(cursor, entry_id, b.pk, -60)
        _raw_posting(cursor, entry_id, b.pk, -40)
        _check_deferred(cursor)
    assert trial_balance() == 0 and unbalanced_entries() == []

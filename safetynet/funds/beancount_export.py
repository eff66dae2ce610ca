"""The books as a Beancount ledger (ADR 0920): `safetynet ledger export --format beancount`.

Every account is opened on its first use, every journal entry is one transaction in CNY with
two decimals written from the exact fen (no float anywhere), and the database's own closing
balance of each account is asserted at the end, so Beancount's checker proves both that every
entry balances and that its sums are the database's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TextIO

from django.db.models import Min, Sum

from .models import Account, JournalEntry, Posting

CURRENCY = "CNY"


def yuan(fen: int) -> str:
    """1234 → '12.34', -5 → '-0.05': exact, from integers."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def ledger_lines(*, title: str = "SafetyNet 救助资金账簿") -> Iterator[str]:
    """The ledger, line by line (streamed: entries are read in chunks)."""
    yield f"option {_quote('title')} {_quote(title)}"
    yield f"option {_quote('operating_currency')} {_quote(CURRENCY)}"
    yield ""
    first_use = dict(
        Posting.objects.values("account_id")
        .annotate(first=Min("entry__on"))
        .order_by()
        .values_list("account_id", "first")
    )
    accounts = {a.pk: a for a in Account.objects.all()}
    for account in sorted(accounts.values(), key=lambda a: a.code):
        opened = min(account.opened_on, first_use.get(account.pk, account.opened_on))
        yield f"{opened.isoformat()} open {account.code} {CURRENCY}"
        yield f"  name: {_quote(account.name_zh)}"
    yield ""
    last_day: dt.date | None = None
    entries = JournalEntry.objects.order_by("on", "id").values_list(
        "pk", "on", "kind", "memo", "source"
    )
    batch: list[tuple] = []

    def flush(batch):
        ids = [row[0] for row in batch]
        legs: dict[int, list[tuple]] = {i: [] for i in ids}
        for entry_id, account_id, fen, district, program in (
            Posting.objects.filter(entry_id__in=ids)
            .order_by("entry_id", "id")
            .values_list("entry_id", "account_id", "amount_fen", "district", "program")
        ):
            legs[entry_id].append((account_id, fen, district, program))
        for pk, on, kind, memo, source in batch:
            yield f"{on.isoformat()} * {_quote(kind)} {_quote(memo)}"
            yield f"  entry: {_quote(str(pk))}"
            yield f"  source: {_quote(source)}"
            for account_id, fen, district, program in legs[pk]:
                yield f"  {accounts[account_id].code}  {yuan(fen)} {CURRENCY}"
                if district:
                    yield f"    district: {_quote(district)}"
                if program and program != accounts[account_id].program:
                    yield f"    program: {_quote(program)}"
            yield ""

    for row in entries.iterator(chunk_size=2000):
        batch.append(row)
        last_day = row[1]
        if len(batch) >= 2000:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)
    if last_day is None:
        return
    # the database's balances, asserted the day after the last entry
    check_day = (last_day + dt.timedelta(days=1)).isoformat()
    for code, fen in (
        Posting.objects.values_list("account__code")
        .annotate(fen=Sum("amount_fen"))
        .order_by("account__code")
    ):
        yield f"{check_day} balance {code}  {yuan(int(fen))} {CURRENCY}"


def ledger_write(out: TextIO) -> int:
    """Write the ledger to `out`; the number of transactions written."""
    n = 0
    for line in ledger_lines():
        out.write(line + "\n")
        if line and line[0].isdigit() and " * " in line[:14]:
            n += 1
    return n


def beancount_check(path: str) -> list[str]:
    """Beancount's own loader and checks on a ledger file: its errors, as text (none: valid)."""
    from beancount import loader

    _entries, errors, _options = loader.load_file(path)
    return [f"{getattr(e, 'source', {}) or ''} {e.message}".strip() for e in errors]

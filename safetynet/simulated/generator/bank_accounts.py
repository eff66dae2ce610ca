"""Recipients' 一卡通 bank accounts: a post-pass over the Parquet files the generator has written.

    from safetynet.simulated.generator.bank_accounts import write_bank_accounts
    rows = write_bank_accounts(out=Path("var/city"), seed=1, reference_date=dt.date(2020, 6, 30))

It reads only `enrolments.parquet`, `households.parquet` and `persons.parquet` of the city directory
(a few columns, persons in record batches), so its memory is bounded by the number of recipients,
not the city: it does not depend on how the generator built those files. Every random draw comes
from `numpy.random.default_rng([seed, 90])` over the recipients in person order, so the same city
and seed give byte-identical files.

Who gets an account (the payees of a payroll): every living person with an open enrolment, and the
head of every household with an open enrolment (household programs and grants for a deceased
member are paid to the head). Banks: the 20 of the `bank_deposits` extract, with its weights.

A few accounts are broken, and only the simulated bank knows it (docs/data-schemas.md):
- `account_closed`: the account was closed at the bank; the person holds another, open account
  there (`replacement_account_number`), which the family gives when asked;
- `name_mismatch`: the bureau's record carries a wrong holder name (one character differs); the
  bank holds the person's real name.
The bureau's view goes to `bank_accounts.parquet`; the bank's knowledge of the broken accounts to
`ground_truth/bank_faults.parquet` (the simulated bank reads it). Pure numpy + pyarrow.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import strings as s
from .tables import BANK_WEIGHTS, BANKS

STREAM = 90
CLOSED_SHARE = 0.005
MISMATCH_SHARE = 0.005
FAULTS = ("account_closed", "name_mismatch")
BANK_ACCOUNTS_FILE = "bank_accounts.parquet"
BANK_FAULTS_FILE = "ground_truth/bank_faults.parquet"
# A wrong character for the bureau's copy of a name (never the right one: see _misspell).
_WRONG = "伟芳明华丽军玲强"
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}


def _payees(out: Path, ref: dt.date) -> np.ndarray:
    """Sorted person ids of the recipients (living ones are filtered later)."""
    enr = pq.read_table(
        out / "enrolments.parquet", columns=["person_id", "household_id", "end_date"]
    )
    open_ = pc.or_kleene(
        pc.is_null(enr["end_date"]), pc.greater_equal(enr["end_date"], pa.scalar(ref))
    )
    enr = enr.filter(open_)
    persons = np.unique(enr["person_id"].to_numpy())
    households = np.unique(enr["household_id"].to_numpy())
    heads: list[np.ndarray] = []
    hf = pq.ParquetFile(out / "households.parquet")
    for batch in hf.iter_batches(columns=["household_id", "head_person_id"], batch_size=262_144):
        hid = batch.column(0).to_numpy()
        keep = np.isin(hid, households, assume_unique=True)
        heads.append(batch.column(1).to_numpy()[keep])
    return np.union1d(persons, np.concatenate(heads) if heads else np.empty(0, np.int64))


def _recipients(out: Path, payees: np.ndarray) -> pa.Table:
    """person_id, id_number, name of the living payees in person order (persons read in batches)."""
    parts: list[pa.Table] = []
    pf = pq.ParquetFile(out / "persons.parquet")
    cols = ["person_id", "id_number", "name", "death_date"]
    for batch in pf.iter_batches(columns=cols, batch_size=262_144):
        pid = batch.column(0).to_numpy()
        keep = np.isin(pid, payees) & batch.column(3).is_null().to_numpy(zero_copy_only=False)
        if keep.any():
            parts.append(pa.Table.from_batches([batch]).filter(pa.array(keep)).drop(["death_date"]))
    if not parts:
        return pa.table(
            {"person_id": pa.array([], pa.int64()), "id_number": pa.array([], pa.string()),
             "name": pa.array([], pa.string())}
        )  # fmt: skip
    return pa.concat_tables(parts)


def _account_numbers(bank: np.ndarray, serial: np.ndarray) -> pa.Array:
    """19 digits: a 6-digit card prefix per bank (622800 + 37·bank, apart from the deposit
    extract's 622100 series) and a 13-digit serial."""
    acc = np.empty((bank.size, 19), dtype=np.uint8)
    acc[:, 0:6] = s.digits(622_800 + bank * 37, 6)
    acc[:, 6:19] = s.digits(serial % 10**13, 13)
    return s.fixed_width(acc)


def _misspell(names: list[str], g: np.random.Generator) -> list[str]:
    out = []
    for name in names:
        pick = _WRONG[int(g.integers(0, len(_WRONG)))]
        if pick == name[-1]:
            pick = _WRONG[(_WRONG.index(pick) + 1) % len(_WRONG)]
        out.append(name[:-1] + pick)
    return out


def bank_accounts(out: Path, *, seed: int, reference_date: dt.date) -> tuple[pa.Table, pa.Table]:
    """(bank_accounts, bank_faults) for the city written in `out`."""
    out = Path(out)
    rec = _recipients(out, _payees(out, reference_date))
    n = rec.num_rows
    g = np.random.default_rng([seed, STREAM])
    bw = np.array(BANK_WEIGHTS, dtype=np.float64)
    bank = g.choice(len(BANKS), size=n, p=bw / bw.sum())
    serial = np.arange(n, dtype=np.int64) * 6_700_417 + 101
    accounts = _account_numbers(bank, serial)
    # valid from: 0-8 years before the reference date (the 一卡通 has been in use since 2012)
    ref_day = (reference_date - dt.date(1970, 1, 1)).days
    valid_from = ref_day - g.integers(30, 8 * 365, n)
    # broken accounts: disjoint random subsets, at least one of each when there are recipients
    order = g.permutation(n)
    k_closed = min(n, max(1 if n >= 2 else 0, round(CLOSED_SHARE * n)))
    k_mis = min(n - k_closed, max(1 if n >= 2 else 0, round(MISMATCH_SHARE * n)))
    closed = np.sort(order[:k_closed])
    mismatch = np.sort(order[k_closed : k_closed + k_mis])
    names = rec["name"]
    holder = names.to_pylist() if k_mis else None
    if k_mis:
        wrong = _misspell([holder[i] for i in mismatch], g)
        for i, w in zip(mismatch.tolist(), wrong, strict=True):
            holder[i] = w
        holder_arr = pa.array(holder, pa.string())
    else:
        holder_arr = names.combine_chunks() if isinstance(names, pa.ChunkedArray) else names
    codes = s.take([b[0] for b in BANKS], bank)
    bank_names = s.take([b[1] for b in BANKS], bank)
    table = pa.table(
        {
            "person_id": rec["person_id"],
            "id_number": rec["id_number"],
            "bank_code": codes,
            "bank_name": bank_names,
            "account_number": accounts,
            "holder_name": holder_arr,
            "valid_from": pa.array(valid_from.astype(np.int32), pa.date32()),
        }
    )
    idx = np.concatenate([closed, mismatch])
    fault = np.concatenate([np.zeros(closed.size, np.int64), np.ones(mismatch.size, np.int64)])
    sort = np.argsort(idx, kind="stable")
    idx, fault = idx[sort], fault[sort]
    replacement = _account_numbers(bank[idx], serial[idx] + 3_000_000_000_001)
    is_closed = pa.array(fault == 0)
    faults = pa.table(
        {
            "person_id": rec["person_id"].take(pa.array(idx)),
            "id_number": rec["id_number"].take(pa.array(idx)),
            "bank_code": codes.take(pa.array(idx)),
            "account_number": accounts.take(pa.array(idx)),
            "fault": s.take(FAULTS, fault),
            "bank_holder_name": names.take(pa.array(idx)),
            "replacement_account_number": pc.if_else(
                is_closed, replacement, pa.scalar(None, pa.string())
            ),
        }
    )
    return table, faults


def write_bank_accounts(out: Path, *, seed: int, reference_date: dt.date) -> dict[str, int]:
    """Write bank_accounts.parquet and ground_truth/bank_faults.parquet; return their row counts."""
    out = Path(out)
    table, faults = bank_accounts(out, seed=seed, reference_date=reference_date)
    (out / "ground_truth").mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / BANK_ACCOUNTS_FILE, **PARQUET_OPTIONS)
    pq.write_table(faults, out / BANK_FAULTS_FILE, **PARQUET_OPTIONS)
    return {BANK_ACCOUNTS_FILE: table.num_rows, BANK_FAULTS_FILE: faults.num_rows}

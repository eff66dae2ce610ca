"""Helpers of the backup and restore tests: a database across the apps, a fresh database to
restore into (SQLite: a new file; PostgreSQL: a new database, dropped afterwards), and generic
comparisons of every table's rows and every stored file."""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.utils import load_backend

from safetynet.cases import services as case_services
from safetynet.payments.bank_services import bank_files_make
from safetynet.payments.services import payroll_run
from tests.helpers.banks import approved_payroll, set_account
from tests.helpers.cases import PDF, PNG, apply, investigate, make_family
from tests.helpers.city import build_registry
from tests.helpers.dynamic import make_elder_household, make_enrolled
from tests.helpers.funds import book_year
from tests.helpers.payments import build_pay_city


def populate(staff: dict, clock) -> dict:
    """Registry households, persons and enrolments; a dibao case with a document, a home visit
    photo, its verification request (authorization scan) and report (PDF), proposed and noticed;
    a month's payroll (payment lines), an approved payroll's bank files and a year of the
    fund's books (journal entries).
    Needs the `divisions` fixture and the casework clock moved by the test."""
    cw = staff["community_worker"]
    registry = build_registry()
    enrolled = make_enrolled(cw)
    elder_household, _elder = make_elder_household(cw)
    family = make_family(cw, 3)
    case = apply(
        cw,
        family,
        documents=[
            ("医疗费用票据", SimpleUploadedFile("bill.png", PNG, content_type="image/png")),
            ("证明", SimpleUploadedFile("证明.pdf", PDF + b" certificate")),
        ],
    )
    clock.advance(3)
    case = investigate(staff, case, clock)
    case = case_services.case_notice_publish(actor=staff["street_officer"], case_id=case.pk)
    # the payroll of a small city (payment lines) and a year of books (journal entries)
    pay_city = build_pay_city()
    payroll = payroll_run(actor=staff["city_admin"], month="2019-08")
    books = book_year(staff["city_admin"])
    # an approved payroll's bank files (stored files of the payments app)
    admin = staff["city_admin"]
    set_account(admin, registry.zhang_wei, "6222000000000000001")
    set_account(admin, registry.wang_fang, "6227000000000000002", bank="CCB")
    approved, _lines = approved_payroll(
        "2020-06", [(registry.zhang_wei, "dibao", 80_000), (registry.wang_fang, "dibao", 40_001)]
    )
    bank_files_make(actor=admin, payroll=approved, fmt="csv")
    return {
        "registry": registry,
        "enrolled": enrolled,
        "elder_household": elder_household,
        "case": case,
        "pay_city": pay_city,
        "payroll": payroll,
        "books": books,
    }


@contextmanager
def connected(settings_dict: dict) -> Iterator:
    """A Django connection to `settings_dict`, outside `django.db.connections` (so outside the
    test's database guards); use it for plain SQL and table names."""
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(dict(settings_dict), "restored")
    try:
        yield wrapper
    finally:
        wrapper.close()


@contextmanager
def fresh_database(source: dict, tmp_path: Path) -> Iterator[dict]:
    """The settings of a new, empty database beside `source`: an SQLite file in `tmp_path`, or
    the PostgreSQL database `<source NAME>_restore` (created here, dropped afterwards)."""
    if "sqlite3" in source["ENGINE"]:
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    import psycopg

    name = f"{source['NAME']}_restore"
    params = {
        "dbname": source["NAME"],
        "user": source["USER"],
        "password": source["PASSWORD"],
        "host": source["HOST"] or None,
        "port": source["PORT"] or None,
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_rows(connection, described_by=None) -> dict[str, list[tuple]]:
    """Every table of the database (introspected, not only Django's models) with its rows in a
    stable order; on PostgreSQL also every sequence's last value, as the table `<sequences>`.
    The columns are those `described_by` (a connection of `django.db.connections`, default this
    one) sees in the table of that name."""
    described_by = described_by or connection
    tables: dict[str, list[tuple]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor, described_by.cursor() as describing:
        for table in sorted(connection.introspection.table_names(cursor)):
            columns = [
                c.name for c in described_by.introspection.get_table_description(describing, table)
            ]
            cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}")
            tables[table] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
            tables["<sequences>"] = sorted(cursor.fetchall())
    return tables


def stored_files(root: Path) -> dict[str, bytes]:
    """Every file under `root`: relative path -> bytes."""
    root = Path(root)
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def rewrite_manifest(backup: Path, change) -> None:
    """Edit a backup's manifest with `change(manifest)` and re-sign it (a consistent manifest that
    says something else)."""
    manifest = json.loads((backup / "manifest.json").read_bytes())
    change(manifest)
    body = json.dumps(manifest).encode()
    (backup / "manifest.json").write_bytes(body)
    (backup / "manifest.json.sha256").write_text(
        f"{hashlib.sha256(body).hexdigest()}  manifest.json\n"
    )

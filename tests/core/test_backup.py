"""`safetynet backup` and `safetynet restore` (ADR 0930): a database across the apps and its
stored files, backed up, restored into a fresh database (SQLite: a new file; PostgreSQL: a new
database) and a fresh storage folder, and found identical — every table's rows, every sequence,
every file byte for byte; damaged, incomplete or mismatched backups refused before anything is
touched; a non-empty database replaced only with --force."""

import datetime as dt
import json
import shutil
import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from safetynet.accounts.models import Role
from safetynet.cases.models import Case, CaseDocument, HomeVisitPhoto
from safetynet.core import backup as backup_module
from safetynet.core.backup import BackupError, backup_create, backup_restore
from safetynet.funds.models import JournalEntry, Posting
from safetynet.payments.models import BankFile, PaymentLine
from safetynet.registry.models import Enrolment, Household, Person
from safetynet.verification.models import Report, VerificationRequest
from tests.helpers.backup import (
    connected,
    fresh_database,
    populate,
    rewrite_manifest,
    stored_files,
    table_rows,
)
from tests.helpers.cases import Clock
from tests.helpers.city import ZHONGHUA, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(dt.date(2025, 9, 26))
    monkeypatch.setattr("safetynet.cases.clock.today", c)
    return c


@pytest.fixture
def staff(users):
    return {**users, "street_officer_2": make_user("so2", Role.STREET_OFFICER, ZHONGHUA)}


def source_db() -> dict:
    return connection.settings_dict


def media() -> object:
    return settings.MEDIA_ROOT


def assert_identical(restored_db: dict, restored_media) -> dict:
    expected = table_rows(connection)
    with connected(restored_db) as target:
        found = table_rows(target, described_by=connection)
    assert sorted(found) == sorted(expected)
    for table, rows in expected.items():
        assert found[table] == rows, f"table {table} differs after restore"
    files = stored_files(media())
    assert stored_files(restored_media) == files
    return expected


def small_backup(tmp_path, users) -> tuple:
    name = default_storage.save("backup-test/scan.pdf", ContentFile(b"%PDF-1.4 scan"))
    out = tmp_path / "bk"
    backup_create(out, database=source_db(), storage_root=media())
    return out, name


@pytest.mark.slow
def test_restore_into_a_fresh_database_gives_every_row_and_file_back(tmp_path, staff, clock):
    populate(staff, clock)
    out = tmp_path / "backup"
    call_command("backup", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "database.dump" if connection.vendor == "postgresql" else "database.sqlite3",
        "files",
        "manifest.json",
        "manifest.json.sha256",
    ]
    restored_media = tmp_path / "restored-media"
    with fresh_database(source_db(), tmp_path) as target:
        summary = backup_restore(out, database=target, storage_root=restored_media)
        rows = assert_identical(target, restored_media)
        # not vacuous: the data of every app is there
        for model, at_least in [
            (Person, 10),
            (Household, 5),
            (Enrolment, 8),
            (Case, 1),
            (CaseDocument, 2),
            (HomeVisitPhoto, 1),
            (VerificationRequest, 1),
            (Report, 1),
            (PaymentLine, 6),
            (BankFile, 2),
            (JournalEntry, 10),
            (Posting, 20),
        ]:
            assert len(rows[model._meta.db_table]) >= at_least, model
        assert summary.stored_files == len(stored_files(media())) >= 5
        report = Report.objects.get()
        assert stored_files(restored_media)[report.pdf.name] == report.pdf.read()

        # a second restore over the now non-empty database: refused without --force ...
        with pytest.raises(BackupError, match=r"not empty.*--force"):
            backup_restore(out, database=target, storage_root=restored_media)
        # ... and replaces it wholly with it (rows added since are gone)
        with connected(target) as extra, extra.cursor() as cursor:
            cursor.execute("DELETE FROM cases_casedocument")
        backup_restore(out, database=target, storage_root=restored_media, force=True)
        assert_identical(target, restored_media)


def test_a_damaged_stored_file_is_refused_by_name_before_anything_is_touched(tmp_path, users):
    out, name = small_backup(tmp_path, users)
    stored = out / "files" / name
    stored.write_bytes(b"%PDF-1.4 scaN")
    restored_media = tmp_path / "m"
    with fresh_database(source_db(), tmp_path) as target:
        with pytest.raises(BackupError, match=f"damaged backup: files/{name} does not match"):
            backup_restore(out, database=target, storage_root=restored_media)
        assert not restored_media.exists()
        with connected(target) as empty, empty.cursor() as cursor:
            assert empty.introspection.table_names(cursor) == []


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: (b / "manifest.json").write_text("{}"), "manifest.json does not match"),
        (lambda b: (b / "manifest.json").unlink(), "incomplete backup: manifest.json is missing"),
        (lambda b: (b / "manifest.json.sha256").unlink(), "manifest.json.sha256 is missing"),
        (
            lambda b: shutil.rmtree(b / "files"),
            r"incomplete backup: files/.* is missing",
        ),
        (
            lambda b: next(b.glob("database.*")).write_bytes(b"truncated"),
            "damaged backup: database.* does not match",
        ),
        (lambda b: (b / "files" / "planted.pdf").write_bytes(b"x"), "files/planted.pdf is not in"),
        (
            lambda b: rewrite_manifest(b, lambda m: m["database"].update(vendor="oracle")),
            "database.vendor",
        ),
        (
            lambda b: rewrite_manifest(b, lambda m: m["files"].append({"path": "../etc/passwd"})),
            "not a relative path",
        ),
        (
            lambda b: rewrite_manifest(
                b, lambda m: m["migrations"].setdefault("cases", []).append("9999_future")
            ),
            "migrations this version does not know.*cases.9999_future",
        ),
        (
            lambda b: rewrite_manifest(
                b,
                lambda m: m["database"].update(
                    vendor="sqlite" if m["database"]["vendor"] == "postgresql" else "postgresql"
                ),
            ),
            "database.file is not",
        ),
    ],
    ids=[
        "manifest-damaged",
        "manifest-missing",
        "manifest-sum-missing",
        "stored-file-missing",
        "database-damaged",
        "unlisted-file",
        "unknown-vendor",
        "path-escapes",
        "newer-migrations",
        "other-vendor",
    ],
)
def test_a_damaged_or_incomplete_backup_is_refused(tmp_path, users, damage, message):
    out, _name = small_backup(tmp_path, users)
    damage(out)
    # refused before the target is looked at: an accepted backup would be refused as "not empty"
    with pytest.raises(BackupError, match=message):
        backup_restore(out, database=source_db(), storage_root=tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_a_stored_file_with_other_content_is_replaced_only_with_force(tmp_path, users):
    out, name = small_backup(tmp_path, users)
    restored_media = tmp_path / "m"
    (restored_media / name).parent.mkdir(parents=True)
    (restored_media / name).write_bytes(b"another scan")
    with fresh_database(source_db(), tmp_path) as target:
        with pytest.raises(BackupError, match=f"storage: {name} exists with other content"):
            backup_restore(out, database=target, storage_root=restored_media)
        assert (restored_media / name).read_bytes() == b"another scan"
        backup_restore(out, database=target, storage_root=restored_media, force=True)
        assert (restored_media / name).read_bytes() == b"%PDF-1.4 scan"


def test_restore_command_refuses_a_non_empty_database_with_exit_2(tmp_path, users):
    out, _name = small_backup(tmp_path, users)
    with pytest.raises(CommandError, match=r"not empty.*--force") as refused:
        call_command("restore", str(out))
    assert refused.value.returncode == 2


def test_restore_command_refuses_a_folder_that_is_not_a_backup_with_exit_2(tmp_path, db):
    with pytest.raises(CommandError, match=r"manifest\.json is missing") as refused:
        call_command("restore", str(tmp_path))
    assert refused.value.returncode == 2


def test_backup_never_overwrites_and_a_failed_one_leaves_nothing(tmp_path, users, monkeypatch):
    default_storage.save("backup-test/a.pdf", ContentFile(b"%PDF-1.4 a"))
    (tmp_path / "taken").mkdir()
    with pytest.raises(CommandError, match="already exists") as refused:
        call_command("backup", "--out", str(tmp_path / "taken"))
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="inside the stored-file folder"):
        call_command("backup", "--out", str(settings.MEDIA_ROOT / "backup-test" / "bk"))

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backup_module, "_copy_hashed", crash)
    with pytest.raises(OSError, match="disk full"):
        backup_create(tmp_path / "bk", database=source_db(), storage_root=media())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_backup_killed_before_its_end_is_never_taken_for_complete(tmp_path, users):
    """kill -9 leaves the hidden `.NAME.partial-*` folder, without its manifest: refused."""
    out, _name = small_backup(tmp_path, users)
    partial = tmp_path / ".bk2.partial-x"
    shutil.copytree(out, partial)
    (partial / "manifest.json").unlink()
    (partial / "manifest.json.sha256").unlink()
    assert not (tmp_path / "bk2").exists()
    with pytest.raises(BackupError, match="incomplete backup"):
        backup_restore(partial, database=source_db(), storage_root=tmp_path / "m")


KILLED_BACKUP = """
import json, sys, time
from pathlib import Path
from safetynet.core import backup

copy = backup._copy_hashed

def copy_then_hang(*args):
    result = copy(*args)
    print("copied", flush=True)
    time.sleep(3600)
    return result

backup._copy_hashed = copy_then_hang
backup.backup_create(Path(sys.argv[1]), database=json.loads(sys.argv[2]), storage_root=sys.argv[3])
"""


def test_a_backup_killed_mid_run_leaves_no_backup_and_the_next_one_works(tmp_path, users):
    """A real process, killed (SIGKILL) while it copies the stored files."""
    default_storage.save("backup-test/b.pdf", ContentFile(b"%PDF-1.4 b"))
    out = tmp_path / "nightly"
    database = {k: v for k, v in source_db().items() if isinstance(v, str | int | dict | None)}
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_BACKUP, str(out), json.dumps(database, default=str), media()],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "copied"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert not out.exists()
    (partial,) = tmp_path.glob(".nightly.partial-*")
    assert next(partial.glob("database.*")).stat().st_size > 0
    with pytest.raises(BackupError, match=r"incomplete backup: manifest\.json is missing"):
        backup_restore(partial, database=source_db(), storage_root=tmp_path / "m")

    backup_create(out, database=source_db(), storage_root=media())
    assert backup_module.backup_verify(out)["files"]


def test_a_backup_older_than_the_code_is_restored_with_a_reminder_to_migrate(tmp_path, users):
    out, _name = small_backup(tmp_path, users)
    rewrite_manifest(out, lambda m: m["migrations"]["cases"].pop())
    with fresh_database(source_db(), tmp_path) as target:
        summary = backup_restore(out, database=target, storage_root=tmp_path / "m")
    assert summary.notes == [
        "1 migration(s) of this version are newer than the backup: run `safetynet migrate`"
    ]

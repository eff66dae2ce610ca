"""`safetynet backup --out DIR`: the database (pg_dump, or SQLite's online backup) and every
stored file into a new directory with a manifest of checksums (safetynet/core/backup.py, ADR 0930).

An operator command (no `--as`): it reads the whole database, like `migrate` writes it. Exit 2 on
bad input (the field named); DIR appears only once the backup is complete.
"""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from safetynet.core.backup import BackupError, backup_create

BAD_INPUT = 2


class Command(BaseCommand):
    requires_system_checks = []  # an operator job: the product's warnings are not its concern
    help = (
        "Back up the database (PostgreSQL: pg_dump in one snapshot; SQLite: the online backup "
        "API) and every stored file into the new directory DIR, with manifest.json (format, "
        "time, database, migrations, each file's size and sha256). DIR must not exist; it "
        "appears only when the backup is complete. See docs/deploy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="DIR", help="the new backup folder")
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, out: str, database: str, **options):
        if database not in connections:
            raise CommandError(f"--database: no database {database!r}", returncode=BAD_INPUT)
        try:
            summary = backup_create(
                Path(out),
                database=connections[database].settings_dict,
                storage_root=Path(default_storage.location),
            )
        except BackupError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        self.stdout.write(
            f"backup {summary.path}: {summary.vendor} database, {summary.stored_files} stored "
            f"file(s), {summary.stored_bytes} bytes"
        )

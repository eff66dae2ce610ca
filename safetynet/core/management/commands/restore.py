"""`safetynet restore DIR [--force]`: a backup of `safetynet backup` back into the configured
database and the stored-file folder (safetynet/core/backup.py, ADR 0930).

Every checksum and precondition is checked before anything is written; a damaged or incomplete
backup is refused with the file named, a non-empty database unless `--force`. Exit 2 on bad input.
An operator command (no `--as`): stop the server and the worker first.
"""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from safetynet.core.backup import BackupError, backup_restore

BAD_INPUT = 2


class Command(BaseCommand):
    requires_system_checks = []  # an operator job: the product's warnings are not its concern
    help = (
        "Restore a backup folder made by `safetynet backup`: verify every file's sha256 first, "
        "then the stored files, then the database in one transaction (PostgreSQL: pg_restore "
        "into the existing, empty database of DATABASE_URL; SQLite: the online backup API). "
        "Refuses a non-empty database or a stored file with other content unless --force. "
        "See docs/deploy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="DIR", help="the backup folder")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a non-empty database and stored files with other content",
        )
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args, source: str, force: bool, database: str, **options):
        if database not in connections:
            raise CommandError(f"--database: no database {database!r}", returncode=BAD_INPUT)
        settings_dict = connections[database].settings_dict
        connections.close_all()
        try:
            summary = backup_restore(
                Path(source),
                database=settings_dict,
                storage_root=Path(default_storage.location),
                force=force,
            )
        except BackupError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        self.stdout.write(
            f"restored {summary.path}: {summary.vendor} database, {summary.stored_files} stored "
            f"file(s) ({summary.written_files} written)"
        )
        for note in summary.notes:
            self.stderr.write(note)

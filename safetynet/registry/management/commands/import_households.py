"""`safetynet import_households FILE --as USERNAME`: import an Excel household roster."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from safetynet.accounts.models import User
from safetynet.core.errors import ServiceError
from safetynet.registry.importers import ImportRejected, household_roster_import


def user_named(username: str) -> User:
    try:
        return User.objects.select_related("jurisdiction").get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"No active user {username!r}.") from None


class Command(BaseCommand):
    help = (
        "Import a household roster (.xlsx, the template from the web UI) as a user, within that "
        "user's jurisdiction. The whole file is checked first; if any row is wrong, every problem "
        "is listed (row, column, message) and nothing is written. A role that may not import "
        "(district approver, verification operator, auditor) is refused with [not_permitted]; "
        "every refusal exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .xlsx roster")
        parser.add_argument("--as", dest="username", required=True, help="the importing user")
        parser.add_argument(
            "--language", default="zh-hans", help="language of the messages (zh-hans or en)"
        )

    def handle(self, *args, file: Path, username: str, language: str, **options):
        actor = user_named(username)
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        with translation.override(language):
            try:
                result = household_roster_import(
                    actor=actor, file=file.read_bytes(), filename=file.name
                )
            except ImportRejected as rejected:
                for p in rejected.problems:
                    where = f"row {p.row}" if p.row else "file"
                    self.stderr.write(f"{where:>10}  {p.field}  [{p.code}]  {p.message}")
                raise CommandError(rejected.message) from None
            except ServiceError as refused:  # e.g. not_permitted: the role may not import
                raise CommandError(f"[{refused.code}] {refused.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.households} households, {result.persons_created} new persons, "
                f"{result.persons_linked} registered persons added as members, "
                f"{result.enrolments} enrolments."
            )
        )

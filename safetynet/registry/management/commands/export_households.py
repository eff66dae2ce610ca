"""`safetynet export_households --as USERNAME --out FILE`: households or persons to Excel."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.accounts.permissions import require
from safetynet.core.errors import ServiceError
from safetynet.registry.exporters import households_export, persons_export
from safetynet.registry.management.commands.import_households import user_named
from safetynet.registry.models import Category
from safetynet.registry.selectors import divisions_visible_to


class Command(BaseCommand):
    help = (
        "Export the households (or with --persons, the persons) a user can see to an .xlsx file, "
        "optionally within a division and/or a current recipient category, exactly as the web "
        "export does: only roles that may export (not the verification operator), and ID numbers "
        "masked for every role (ADR 0002). A refusal prints its code and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="the exporting user")
        parser.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
        parser.add_argument("--division", help="a division code (its whole subtree)")
        parser.add_argument("--category", choices=Category.values, help="a recipient category")
        parser.add_argument("--persons", action="store_true", help="one row per person")
        parser.add_argument(
            "--full-ids",
            action="store_true",
            help="refused: exports mask ID numbers for every role, as on the web (ADR 0002)",
        )

    def handle(self, *args, username, out: Path, division, category, persons, full_ids, **opts):
        actor = user_named(username)
        if full_ids:
            raise CommandError(
                "[full_ids_forbidden] Exports mask ID numbers for every role, as the web export "
                "does (ADR 0002); a whole number is shown only on a person's page."
            )
        if division and not divisions_visible_to(actor).filter(code=division).exists():
            raise CommandError(f"No division {division} in {username}'s jurisdiction.")
        export = persons_export if persons else households_export
        filters = {"division": division, "category": category}
        try:
            # Refuse before touching --out (the exporter checks again: it is the guard).
            require(actor, "registry.export_persons" if persons else "registry.export_households")
        except ServiceError as err:
            raise CommandError(f"[{err.code}] {err.message}") from None
        try:
            with out.open("wb") as f:
                export(actor=actor, filters=filters, out=f)
        except ServiceError as err:
            out.unlink(missing_ok=True)
            raise CommandError(f"[{err.code}] {err.message}") from None
        self.stdout.write(self.style.SUCCESS(f"Wrote {out}."))

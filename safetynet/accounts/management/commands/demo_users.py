"""`safetynet demo_users`: one demo user per role, with fixed logins printed. Safe to re-run."""

from django.core.management.base import BaseCommand, CommandError

from safetynet.accounts.models import Role
from safetynet.accounts.services import demo_users_ensure
from safetynet.registry.models import Division


class Command(BaseCommand):
    help = (
        "Create or reset one demo user per role (demo-community, demo-street, demo-district, "
        "demo-city, demo-verify, demo-audit, demo-finance, demo-12349) and print their logins. The "
        "password is "
        "'safetynet-demo' unless --password or SAFETYNET_DEMO_PASSWORD says otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", help="password for every demo user")

    def handle(self, *args, password=None, **options):
        try:
            logins = demo_users_ensure(password=password)
        except Division.DoesNotExist:
            raise CommandError(
                "The division table is not loaded: run `safetynet load_divisions` first."
            ) from None
        self.stdout.write("Demo users (username / password / role / jurisdiction):")
        for login in logins:
            state = "created" if login.created else "updated"
            self.stdout.write(
                f"  {login.username:<15} {login.password:<16} {Role(login.role).label:<24} "
                f"{login.jurisdiction.name} {login.jurisdiction.code}  ({state})"
            )

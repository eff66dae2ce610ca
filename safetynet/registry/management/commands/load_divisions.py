from pathlib import Path

from django.core.management.base import BaseCommand

from safetynet.registry.services import DIVISION_TABLE, DIVISION_TABLE_VERSION, division_table_load


class Command(BaseCommand):
    help = "Load or refresh the shipped table of Xiamen's districts and streets/towns (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DIVISION_TABLE), help="CSV: code,name,level,...")
        parser.add_argument("--table-version", dest="table_version", default=DIVISION_TABLE_VERSION)

    def handle(self, *args, file, table_version, **options):
        count = division_table_load(path=Path(file), version=table_version)
        self.stdout.write(f"{count} divisions loaded (table {table_version}).")

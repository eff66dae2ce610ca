"""PostgreSQL: indexes that serve `LIKE 'prefix%'` whatever the database collation.

Jurisdiction scoping filters division codes by prefix and search filters names by prefix; a plain
B-tree serves LIKE only under the C collation, so production databases created with zh_CN.UTF-8
would scan. SQLite needs nothing (see selectors.name_prefix_filter).
"""

from django.db import migrations

INDEXES = [
    ("registry_person_name_pattern", "registry_person", "name"),
    ("registry_person_hukou_pattern", "registry_person", "hukou_division_id"),
    ("registry_household_division_pattern", "registry_household", "division_id"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

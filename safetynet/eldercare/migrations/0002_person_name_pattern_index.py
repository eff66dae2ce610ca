"""The operator's name lookup (ADR 1205) searches the whole city's persons by a name prefix when
no exact name matches. The registry's name indexes lead with a division (ADR 0751); on PostgreSQL
this adds one on the name alone with the pattern operator class (LIKE 'x%' whatever the
collation). SQLite needs none (the lookup's range condition uses the plain name index)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS eldercare_person_name_pattern "
    "ON registry_person (name varchar_pattern_ops)"
)
DROP = "DROP INDEX IF EXISTS eldercare_person_name_pattern"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("eldercare", "0001_initial"),
        ("registry", "0004_person_household_division"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

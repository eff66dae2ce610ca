# The case screens' indexes (issue 8, casesui): the workbench's order, the approver's queue and
# the district's list of escalated cases (ADR 0820).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_escalation"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["total_due", "id"], name="case_total_due_id"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["status", "decision_due", "id"], name="case_status_decision_due"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["escalated_on", "id"], name="case_escalated_on"),
        ),
    ]

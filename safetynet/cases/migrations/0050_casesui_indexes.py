# The case screens' indexes (issue 8, casesui): the workbench's order and the approver's queue.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_escalation'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['total_due', 'id'], name='case_total_due_id'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['status', 'decision_due', 'id'], name='case_status_decision_due'),
        ),
    ]

"""ADR 0950: "sent" is no longer stored on a payment line but derived from its pending bank file
entry; lines stored as sent go back to pending (their pending entry shows them sent)."""

from django.db import migrations


def forwards(apps, schema_editor):
    PaymentLine = apps.get_model("payments", "PaymentLine")
    PaymentLine.objects.filter(status="sent").update(status="pending")


def backwards(apps, schema_editor):
    PaymentLine = apps.get_model("payments", "PaymentLine")
    BankFileEntry = apps.get_model("payments", "BankFileEntry")
    held = BankFileEntry.objects.filter(result="pending").values("line_id")
    PaymentLine.objects.filter(status="pending", pk__in=held).update(status="sent")


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_refunds")]

    operations = [migrations.RunPython(forwards, backwards)]

"""Funerals and deaths (㈢3, ㈠7, ㈣; docs/funerals.md).

- `DeathReport`: a death reported by an outside source (the civil-affairs death records found
  by the batch verification, or a funeral home) and not yet in the registry, proposed to the
  street officer; confirming it records the death in the registry, which stops the personal
  benefits the month after, proposes the funeral grants on the no-application list and opens the
  recoveries of what was paid after the death.
- `FuneralService`: a cremation or sea burial a funeral home recorded over its API, the fees
  waived, and the home's monthly reimbursement (see funerals/services.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DeathSource(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil-affairs death records")
    FUNERAL_HOME = "funeral_home", _("Funeral home")


class ReportStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class DeathReport(models.Model):
    """A death an outside source reported, for the street officer to confirm or reject."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    death_date = models.DateField(_("death date"))
    source = models.CharField(_("source"), max_length=16, choices=DeathSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=100)
    street = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.PROPOSED
    )
    reported_on = models.DateField(_("reported on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_ref"], name="death_report_once"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="death_report_reject_reason"
            ),
        ]
        indexes = [models.Index(fields=["status", "street"])]

    def __str__(self) -> str:
        return f"{self.person_id} died {self.death_date} ({self.source})"


class ServiceKind(models.TextChoices):
    CREMATION = "cremation", _("Cremation")
    SEA_BURIAL = "sea_burial", _("Sea burial of ashes")


# The five basic funeral fees (五项基本丧葬费用), the keys of `funeral_exemption.fees`.
FEES = ("body_transport", "pickup", "cremation", "refrigeration", "urn")


class FuneralStatement(models.Model):
    """A funeral home's monthly reimbursement (报销结算单): the waived fees of its eligible
    services of the month, booked as a payable (expense ↔ payable) and paid by one line of a
    bank file to the home's settlement account."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="funeral_statements"
    )
    month = models.CharField(_("month"), max_length=7)
    services_count = models.PositiveIntegerField(_("services"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    city_fen = models.BigIntegerField(default=0)
    district_fen = models.BigIntegerField(default=0)
    street_fen = models.BigIntegerField(default=0)
    made_on = models.DateField(_("made on"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_file = models.ForeignKey(
        "funerals.ReimbursementFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
    )

    class Meta:
        ordering = ["-month", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "month"], name="funeral_statement_once_a_month"
            ),
            models.CheckConstraint(
                condition=Q(
                    amount_fen=models.F("city_fen")
                    + models.F("district_fen")
                    + models.F("street_fen")
                ),
                name="funeral_statement_split_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.month}"


class ReimbursementFile(models.Model):
    """A bank payment file of funeral homes' reimbursements (the banks' layout of
    docs/bank-files.md): one line per statement, to the home's account."""

    reference = models.CharField(_("file reference"), max_length=40, unique=True)
    month = models.CharField(_("month"), max_length=7)
    bank_code = models.CharField(_("bank code"), max_length=16)
    file = models.FileField(upload_to="funerals/reimbursements/")
    line_count = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    made_on = models.DateField(_("made on"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-made_on", "-id"]

    def __str__(self) -> str:
        return self.reference


class FuneralService(models.Model):
    """A cremation or a sea burial a funeral home recorded over its API, with the platform's
    answer: eligible or not (the engine's reason), the fees waived (each fee's amount in fen).
    Idempotent by the home's record number: a replay with the same content gets the same
    answer, with other content a conflict."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, related_name="funeral_services"
    )
    record_number = models.CharField(_("record number"), max_length=64)
    digest = models.CharField(max_length=64)  # of the request's content (replay check)
    kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    death_date = models.DateField(_("death date"))
    service_date = models.DateField(_("service date"))
    died_in_xiamen = models.BooleanField(_("died in Xiamen"))
    residence_permit_months = models.PositiveSmallIntegerField(_("residence permit (months)"))
    other_funeral_subsidy = models.BooleanField(_("other funeral subsidy"))
    eligible = models.BooleanField(_("eligible"))
    reason = models.CharField(_("reason"), max_length=48)
    fees = models.JSONField(_("fees provided"), default=list)  # the home's basic services
    waived = models.JSONField(_("fees waived"), default=dict)  # {fee: fen}
    waived_fen = models.BigIntegerField(_("waived (fen)"))
    city_fen = models.BigIntegerField(default=0)
    district_fen = models.BigIntegerField(default=0)
    street_fen = models.BigIntegerField(default=0)
    district = models.CharField(_("district"), max_length=6)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    statement = models.ForeignKey(
        FuneralStatement, null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "record_number"], name="funeral_service_number_once"
            ),
            models.CheckConstraint(
                condition=Q(eligible=True) | Q(waived_fen=0), name="funeral_service_waived_if_due"
            ),
            models.CheckConstraint(
                condition=Q(
                    waived_fen=models.F("city_fen")
                    + models.F("district_fen")
                    + models.F("street_fen")
                ),
                name="funeral_service_split_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["institution", "statement", "service_date"])]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.record_number}"

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

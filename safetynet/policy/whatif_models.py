"""A what-if run on the whole city (全市影响试算, ADR 1410): the proposal, its progress and
its aggregates (no personal data: counts and sums per program and district)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WhatIfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class WhatIfRun(models.Model):
    """One what-if: the proposed changes (from a pending change, or an ad-hoc set) run on a
    snapshot of the caseload against the approved baseline, in the background."""

    change = models.ForeignKey(
        "policy.ParameterChange",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="whatif_runs",
    )
    # [{name, effective, value, kind}] as the rules take them (values as entered: yuan texts)
    proposal = models.JSONField(default=list)
    month = models.CharField(_("benefit month"), max_length=7)
    engine = models.CharField(max_length=16, default="duckdb")
    status = models.CharField(
        max_length=16, choices=WhatIfStatus.choices, default=WhatIfStatus.QUEUED
    )
    step = models.CharField(max_length=32, blank=True)
    persons_done = models.BigIntegerField(default=0)
    persons_total = models.BigIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"what-if #{self.pk} {self.month} ({self.status})"

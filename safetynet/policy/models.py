"""Parameter changes (参数调整) made by the bureau, with maker-checker approval (ADR 1400)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    NEW_VALUE = "new_value", _("New dated value")
    CONFIRMATION = "confirmation", _("Confirmation of a value to confirm")
    CORRECTION = "correction", _("Correction")


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParameterChange(models.Model):
    """One proposed change of one parameter; it takes effect only once approved by another
    city officer. ``value`` is the canonical text in the parameter's unit (money in yuan with
    two decimals, ratios as decimal texts); empty for a confirmation."""

    name = models.CharField(_("parameter"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    effective = models.CharField(_("effective from"), max_length=10)
    value = models.TextField(_("value"), blank=True)
    reference_number = models.CharField(_("document number"), max_length=200)
    reference_date = models.DateField(_("document date"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "decided_at"], name="policy_change_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="proposed")
                | (models.Q(approver__isnull=False) & models.Q(decided_at__isnull=False)),
                name="policy_change_decided_has_approver",
            ),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("author")),
                name="policy_change_maker_is_not_checker",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name} {self.kind} {self.effective} ({self.status})"

    @property
    def reference(self) -> str:
        return f"{self.reference_number} ({self.reference_date.isoformat()})"


class EventKind(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParameterChangeEvent(models.Model):
    """The audit trail of parameter changes: who proposed, approved or rejected what, when."""

    change = models.ForeignKey(ParameterChange, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.change_id} {self.kind}"


from .whatif_models import WhatIfRun, WhatIfStatus  # noqa: E402,F401 (the what-if, ADR 1410)

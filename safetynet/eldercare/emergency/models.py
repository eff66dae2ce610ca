"""One-key emergencies (一键通, POLICY §5; docs/eldercare-emergency.md).

An `AlarmDevice` is an emergency button given to an elderly person; it signals over HTTP with
its own key (ADR 1221). A signal (`EmergencySignal`, unique per device and the device's signal
id) or an operator's entry opens an `Emergency` for the person — at most one open emergency per
person, in the database: a new signal while one is open is attached to it. The emergency moves
opened → assigned → on scene → closed (states.py, ADR 1220); every step is an `EmergencyEvent`.
Writes go through services.py, reads through selectors.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .states import OPEN_STATES, Status


class AlarmDevice(models.Model):
    """An emergency button (一键通呼叫器) registered to one elderly person."""

    device_id = models.CharField(_("device ID"), max_length=32, unique=True)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="alarm_devices",
        verbose_name=_("elderly person"),
    )
    # SHA-256 of the device's secret (256 random bits, shown once at registration): a random
    # secret needs no slow password hash, and a signal is answered in a few milliseconds.
    secret_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(pgettext_lazy("emergency", "active"), default=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    last_signal_at = models.DateTimeField(_("last signal"), null=True, blank=True)

    class Meta:
        ordering = ["device_id"]
        verbose_name = _("alarm device")
        verbose_name_plural = _("alarm devices")

    def __str__(self) -> str:
        return self.device_id


class Source(models.TextChoices):
    DEVICE = "device", _("Alarm device")
    PHONE = "phone", _("Phone call")


class ResponderKind(models.TextChoices):
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    PROVIDER_STAFF = "provider_staff", _("Care provider's staff")
    AMBULANCE_120 = "ambulance_120", _("Handed over to 120")
    FAMILY = "family", _("Family member or neighbour")


class Outcome(models.TextChoices):
    HELPED = "helped", _("Helped on the spot")
    HOSPITAL = "hospital", _("Taken to hospital")
    FALSE_ALARM = "false_alarm", _("False alarm")
    NO_ANSWER = "no_answer", _("Nobody found")
    OTHER = "other", _("Other")


OPEN_VALUES = sorted(s.value for s in OPEN_STATES)

STATUS_CHOICES = [
    (Status.OPENED.value, pgettext_lazy("emergency", "Opened")),
    (Status.ASSIGNED.value, pgettext_lazy("emergency", "Assigned")),
    (Status.ON_SCENE.value, pgettext_lazy("emergency", "On scene")),
    (Status.CLOSED.value, pgettext_lazy("emergency", "Closed")),
]


class Emergency(models.Model):
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="emergencies",
        verbose_name=_("elderly person"),
    )
    # The person's division when the emergency opened (their household's, else their 户籍):
    # the jurisdiction an emergency is seen and handled in, and the street of the statistics.
    division = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    source = models.CharField(
        pgettext_lazy("emergency", "source"), max_length=8, choices=Source.choices
    )
    device = models.ForeignKey(
        AlarmDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="emergencies"
    )
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES)
    caller_phone = models.CharField(_("caller's phone"), max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    # The response limit in force when it opened (eldercare.emergency_response_minutes) and the
    # time by which a responder must be assigned.
    limit_minutes = models.PositiveIntegerField(_("response limit (minutes)"))
    due_at = models.DateTimeField(_("respond by"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    responder_kind = models.CharField(
        _("responder"), max_length=20, choices=ResponderKind.choices, blank=True
    )
    responder_name = models.CharField(_("responder's name"), max_length=64, blank=True)
    responder_phone = models.CharField(_("responder's phone"), max_length=32, blank=True)
    responder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(
        pgettext_lazy("emergency", "outcome"), max_length=16, choices=Outcome.choices, blank=True
    )
    closing_note = models.CharField(_("closing note"), max_length=500, blank=True)
    signals_count = models.PositiveIntegerField(_("signals"), default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = pgettext_lazy("emergency", "emergency")
        verbose_name_plural = _("emergencies")
        constraints = [
            # One open emergency per person: a second signal or call is attached to it.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=OPEN_VALUES),
                name="eldercare_emergency_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="eldercare_em_status_due"),
            models.Index(fields=["division", "opened_at"], name="eldercare_em_div_opened"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The number the operator reads out: YJ and the row's id."""
        return f"YJ{self.pk:07d}" if self.pk else "YJ"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


class EmergencySignal(models.Model):
    """One signal a device sent: idempotent by (device, signal_id)."""

    device = models.ForeignKey(AlarmDevice, on_delete=models.PROTECT, related_name="signals")
    signal_id = models.CharField(_("signal ID"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16)
    sent_at = models.DateTimeField(_("sent at (device clock)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    content_hash = models.CharField(max_length=64)
    emergency = models.ForeignKey(Emergency, on_delete=models.PROTECT, related_name="signals")
    opened = models.BooleanField(default=False, help_text="this signal opened the emergency")

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "signal_id"], name="eldercare_emergency_signal_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.signal_id}"


class EventKind(models.TextChoices):
    OPENED = "opened", _("Call received")
    SIGNAL = "signal", _("Signal attached")
    CALL = "call", _("Call attached")
    ASSIGNED = "assigned", _("Responder assigned")
    ARRIVED = "arrived", _("Responder on scene")
    CLOSED = "closed", _("Emergency closed")


class EmergencyEvent(models.Model):
    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"))
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.emergency_id} {self.kind}"

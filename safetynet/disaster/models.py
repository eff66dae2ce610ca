"""Disaster relief (㈠5, POLICY §3 灾后重建; docs/disaster.md): an event and its affected
divisions, the affected households registered by community workers with photos, shelters and
stays, transitional living aid, and the staged payments of a housing grant decided by casework."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    TYPHOON = "typhoon", _("Typhoon")
    FLOOD = "flood", _("Flood")
    RAINSTORM = "rainstorm", _("Rainstorm")
    LANDSLIDE = "landslide", _("Landslide")
    EARTHQUAKE = "earthquake", _("Earthquake")
    OTHER = "other", _("Other")


class DisasterEvent(models.Model):
    """A disaster (e.g. a typhoon) with its date and the divisions it struck."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    occurred_on = models.DateField(_("date"))
    divisions = models.ManyToManyField(
        "registry.Division", related_name="+", verbose_name=_("affected divisions")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Damage(models.TextChoices):
    COLLAPSED = "collapsed", _("Collapsed")
    SEVERE = "severe", _("Severely damaged")
    DAMAGED = "damaged", _("Damaged")


class AffectedHousehold(models.Model):
    """A household whose home the event damaged, registered by a community worker."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.PROTECT, related_name="households")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    damage = models.CharField(_("damage"), max_length=16, choices=Damage.choices)
    loss_fen = models.BigIntegerField(_("estimated loss (fen)"))
    note = models.TextField(_("note"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_on = models.DateField(_("registered on"))
    # the housing grant's case (灾后重建 through casework), once applied for
    housing_case = models.OneToOneField(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="affected"
    )

    class Meta:
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "household"], name="disaster_household_once"),
            models.CheckConstraint(condition=Q(loss_fen__gte=0), name="disaster_loss_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.household_id} {self.damage}"


class DamagePhoto(models.Model):
    """A photo of the damage or of the construction (stored file, ADR 0730)."""

    affected = models.ForeignKey(AffectedHousehold, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="disaster/photos/%Y/")
    kind = models.CharField(max_length=8)  # detected: jpg | png | pdf
    title = models.CharField(_("title"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["affected_id", "id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.affected_id}"


class Shelter(models.Model):
    """A shelter (避灾点) opened for an event."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.PROTECT, related_name="shelters")
    name = models.CharField(_("name"), max_length=64)
    division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveIntegerField(_("capacity"))

    class Meta:
        ordering = ["event_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="disaster_shelter_name_once")
        ]

    def __str__(self) -> str:
        return self.name


class ShelterStay(models.Model):
    """A person's stay at a shelter (check-in, check-out). One open stay per person."""

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="stays")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    checked_in_on = models.DateField(_("checked in"))
    checked_out_on = models.DateField(_("checked out"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["shelter_id", "checked_in_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(checked_out_on__isnull=True),
                name="disaster_one_open_stay",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_on__isnull=True)
                | Q(checked_out_on__gte=models.F("checked_in_on")),
                name="disaster_stay_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.shelter_id} from {self.checked_in_on}"


class LivingAid(models.Model):
    """Transitional living aid (过渡期生活救助) of an affected household for one month:
    persons × days × the daily rate in force (`disaster_housing.transitional_aid_daily`)."""

    affected = models.ForeignKey(AffectedHousehold, on_delete=models.PROTECT, related_name="aid")
    month = models.CharField(_("month"), max_length=7)
    persons = models.PositiveSmallIntegerField(_("persons"))
    days = models.PositiveSmallIntegerField(_("days"))
    daily_fen = models.BigIntegerField(_("daily rate (fen)"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_on = models.DateField(_("granted on"))

    class Meta:
        ordering = ["affected_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["affected", "month"], name="disaster_aid_once_a_month"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="disaster_aid_positive"),
        ]

    def __str__(self) -> str:
        return f"living aid {self.affected_id} {self.month}"


class Stage(models.TextChoices):
    START = "start", _("Construction started")
    COMPLETION = "completion", _("Construction completed")
    INSPECTION = "inspection", _("Inspected and accepted")


STAGE_ORDER = (Stage.START, Stage.COMPLETION, Stage.INSPECTION)


class HousingStage(models.Model):
    """A stage of the construction of an approved housing grant, and the part of the grant it
    releases (`disaster_housing.stage_shares`; the last stage takes the remainder). Paid by the
    payroll as a one-off line `housing:<id>`."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="housing_stages")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("date"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    note = models.TextField(_("note"), blank=True)
    photo = models.ForeignKey(
        DamagePhoto, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="disaster_stage_once"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="disaster_stage_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"


class DisasterEventLog(models.Model):
    """The disaster office's timeline: one row per service write."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.kind}"

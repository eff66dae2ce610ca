"""The plan itself (issue 13, POLICY §4–§7, the seed's 三; docs/plan.md): monthly snapshots of the
computed targets, the plan's tasks with their steps, progress reports and attachments, and the
facilities and projects the targets count — rural happiness homes, community service stations,
purchased social-work and volunteer services, old revolutionary base villages and their support
projects, care institutions and tekun persons' placements in them.

Money is integer fen. Every facility sits in a division, and jurisdiction is a code prefix."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


# ------------------------------------------------------------------------------ snapshots
class Snapshot(models.Model):
    """One indicator's figure for one division and one month, as computed then (a trend reads
    these; the live figure is always computed). `available` False: 暂无数据, with the reason."""

    indicator = models.CharField(_("indicator"), max_length=40)
    month = models.CharField(_("month"), max_length=7)
    division_code = models.CharField(_("division"), max_length=12)
    numerator = models.BigIntegerField(null=True, blank=True)
    denominator = models.BigIntegerField(null=True, blank=True)
    available = models.BooleanField(default=True)
    reason = models.CharField(max_length=200, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "division_code", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "month", "division_code"], name="plan_snapshot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.division_code} {self.month}"


# ------------------------------------------------------------------------------ tasks
class Unit(models.TextChoices):
    """The responsible units the seed names (bureau divisions), and the district bureaus."""

    RELIEF = "relief", _("Disaster Relief and Social Assistance Division")
    WELFARE = "welfare", _("Social Welfare and Social Affairs Division")
    ENTITLED = "entitled", _("Entitled Groups Division")
    COMMUNITY = "community", _("Grassroots Government and Community Building Division")
    SOCIAL_WORK = "social_work", _("Social Work Division")
    OFFICE = "office", _("Bureau Office")
    DISTRICT = "district", _("District civil-affairs bureau")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class PlanTask(models.Model):
    """A task of the plan (二 measures, 三 guarantees), broken down by responsible unit: a
    bureau division's task, or a district's own share of it (`parent`, `division`)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    section = models.CharField(_("section"), max_length=16)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("responsible unit"), max_length=16, choices=Unit.choices)
    division = models.ForeignKey(
        "registry.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    indicator = models.CharField(_("indicator"), max_length=40, blank=True)
    start_on = models.DateField(_("from"))
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("start_on")), name="plan_task_due_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(unit="district") | Q(division__isnull=False),
                name="plan_task_district_has_division",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class TaskStep(models.Model):
    """A step of a task (实施步骤) with its own date."""

    task = models.ForeignKey(PlanTask, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(_("step"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["task_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "order"], name="plan_step_order_once")
        ]

    def __str__(self) -> str:
        return f"{self.task_id}.{self.order} {self.title}"


class ProgressReport(models.Model):
    """The responsible unit's periodic report on a task (进展情况报送), one per task and month."""

    task = models.ForeignKey(PlanTask, on_delete=models.PROTECT, related_name="reports")
    period = models.CharField(_("month"), max_length=7)
    percent = models.PositiveSmallIntegerField(_("progress (%)"))
    text = models.TextField(_("progress"))
    problems = models.TextField(_("problems"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task_id", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="plan_report_once_a_month"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="plan_report_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.period} {self.percent}%"


class AttachmentKind(models.TextChoices):
    DISTRICT_PLAN = "district_plan", _("District implementation plan")
    KEY_TASKS = "key_tasks", _("Key-task list")
    OTHER = "other", _("Other document")


class PlanAttachment(models.Model):
    """A district's own plan, a key-task list or another document (stored file, ADR 0730)."""

    task = models.ForeignKey(
        PlanTask, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(upload_to="plan/%Y/")
    ext = models.CharField(max_length=8)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["division_id", "-uploaded_at"]

    def __str__(self) -> str:
        return self.title


# ------------------------------------------------------------------------------ happiness homes
class HomeStatus(models.TextChoices):
    APPROVED = "approved", _("Project approved")
    BUILDING = "building", _("Under construction")
    COMPLETED = "completed", _("Completed")
    OPERATING = "operating", _("Operating")


HOME_BUILT = (HomeStatus.COMPLETED, HomeStatus.OPERATING)


class HomeKind(models.TextChoices):
    HOME = "home", _("Rural happiness home")
    ACTIVITY_CENTRE = "activity_centre", _("Elderly activity centre")


class HappinessHome(models.Model):
    """A rural happiness home (农村幸福院, incl. elderly activity centres) of a village, with its
    construction project: approved, building, completed (counts as built), operating."""

    name = models.CharField(_("name"), max_length=80)
    village = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=HomeKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=HomeStatus.choices)
    approved_on = models.DateField(_("approved on"))
    started_on = models.DateField(_("construction started"), null=True, blank=True)
    completed_on = models.DateField(_("built on"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    subsidy_fen = models.BigIntegerField(_("subsidy (fen)"), default=0)
    places = models.PositiveIntegerField(_("places"), default=0)

    class Meta:
        ordering = ["village_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="plan_home_name_once"),
            models.CheckConstraint(condition=Q(subsidy_fen__gte=0), name="plan_home_subsidy"),
            models.CheckConstraint(
                condition=~Q(status__in=["completed", "operating"]) | Q(completed_on__isnull=False),
                name="plan_home_built_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HomeActivity(models.Model):
    """An activity at a happiness home and how many attended."""

    home = models.ForeignKey(HappinessHome, on_delete=models.CASCADE, related_name="activities")
    on = models.DateField(_("date"))
    title = models.CharField(_("activity"), max_length=120)
    attendance = models.PositiveIntegerField(_("attendance"))

    class Meta:
        ordering = ["home_id", "-on"]

    def __str__(self) -> str:
        return f"{self.home_id} {self.on} {self.title}"


# ------------------------------------------------------------------------------ service stations
class StationMode(models.TextChoices):
    ONE_PER = "one_per", _("One station per community")
    ONE_FOR_SEVERAL = "one_for_several", _("One station for several communities")
    SEVERAL_IN_ONE = "several_in_one", _("Several stations in one community")


class ServiceStation(models.Model):
    """A community service station (社区工作站 / 事务代办点) and the communities it serves."""

    name = models.CharField(_("name"), max_length=80)
    street = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    communities = models.ManyToManyField(
        "registry.Division", related_name="+", verbose_name=_("communities served")
    )
    mode = models.CharField(_("mode"), max_length=16, choices=StationMode.choices)
    services = models.JSONField(_("services offered"), default=list)
    opening_hours = models.CharField(_("opening hours"), max_length=120)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid_code = models.CharField(_("grid code"), max_length=40, blank=True)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        ordering = ["street_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="plan_station_name_once")
        ]

    def __str__(self) -> str:
        return self.name


# ------------------------------------------------------------------------------ purchases
class PurchaseKind(models.TextChoices):
    SOCIAL_WORK = "social_work", _("Social-work service")
    VOLUNTEER = "volunteer", _("Volunteer service")


class ServicePurchase(models.Model):
    """A government purchase of social-work or volunteer services for people in difficulty:
    the contract, who was served, volunteer hours and the evaluation."""

    title = models.CharField(_("project"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=PurchaseKind.choices)
    division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(_("provider"), max_length=120)
    contract_number = models.CharField(_("contract"), max_length=40, unique=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    amount_fen = models.BigIntegerField(_("contract amount (fen)"))
    beneficiaries = models.PositiveIntegerField(_("beneficiaries served"), default=0)
    volunteer_hours = models.PositiveIntegerField(_("volunteer hours"), default=0)
    score = models.PositiveSmallIntegerField(_("evaluation score"), null=True, blank=True)
    evaluated_on = models.DateField(_("evaluated on"), null=True, blank=True)

    class Meta:
        ordering = ["division_id", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="plan_purchase_amount"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="plan_purchase_score"
            ),
        ]

    def __str__(self) -> str:
        return self.title


# ------------------------------------------------------------------------------ base villages
class BaseVillage(models.Model):
    """An old revolutionary base village (老区基点村); weak ones in the 挂钩帮扶 scheme first."""

    village = models.OneToOneField("registry.Division", on_delete=models.PROTECT, related_name="+")
    weak = models.BooleanField(_("economically weak (paired support)"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-weak", "village_id"]

    def __str__(self) -> str:
        return str(self.village_id)


class ProjectKind(models.TextChoices):
    ECONOMY = "economy", _("Economic development")
    SITE = "site", _("Revolutionary site")
    MEMORIAL = "memorial", _("Martyrs' memorial")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    BUILDING = "building", _("Under way")
    DONE = "done", _("Done")


class VillageProject(models.Model):
    """A support project of a base village, with its budget and progress."""

    village = models.ForeignKey(BaseVillage, on_delete=models.PROTECT, related_name="projects")
    kind = models.CharField(_("kind"), max_length=16, choices=ProjectKind.choices)
    title = models.CharField(_("project"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    budget_fen = models.BigIntegerField(_("budget (fen)"))
    spent_fen = models.BigIntegerField(_("spent (fen)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices)
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    class Meta:
        ordering = ["village_id", "-year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_fen__gte=0) & Q(spent_fen__gte=0), name="plan_project_money"
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="plan_project_percent"),
        ]

    def __str__(self) -> str:
        return self.title


# ------------------------------------------------------------------------------ care placements
class CareInstitution(models.Model):
    """A care institution where tekun persons live in concentrated care (供养服务机构)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    beds = models.PositiveIntegerField(_("beds"))

    class Meta:
        ordering = ["division_id", "name"]

    def __str__(self) -> str:
        return self.name


class CarePlacement(models.Model):
    """A person living in a care institution (concentrated care) from one date to another."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        CareInstitution, on_delete=models.PROTECT, related_name="placements"
    )
    start_on = models.DateField(_("moved in"))
    end_on = models.DateField(_("moved out"), null=True, blank=True)

    class Meta:
        ordering = ["institution_id", "-start_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_on__isnull=True),
                name="plan_one_open_placement",
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="plan_placement_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.institution_id}"

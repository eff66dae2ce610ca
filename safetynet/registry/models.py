"""The registry: divisions, persons, households, memberships and recipient enrolments.

Writes go through `services.py`, reads through `selectors.py`; models hold data and constraints.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from safetynet.rules.catalog import CATALOG


class DivisionLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community / village")


class Division(models.Model):
    """An administrative division (行政区划). The code is the key: a subtree is a code prefix.

    City 6 digits (350200), district 6 (350203), street/town 9 (350203001), community/village 12.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_synthetic = models.BooleanField(
        _("synthetic (demo)"),
        default=False,
        help_text=_("Demo communities are generated, not the official list."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    table_version = models.CharField(_("table version"), max_length=32)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def scope_prefix(self) -> str:
        """The code prefix shared by this division and everything under it."""
        if self.level == DivisionLevel.CITY:
            return self.code[:4]
        return self.code


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class DisabilityKind(models.TextChoices):
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")


class Person(models.Model):
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=64, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    hukou_division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        related_name="registered_persons",
        verbose_name=_("registered residence (户籍)"),
    )
    residence_address = models.CharField(_("residence address"), max_length=200, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True
    )
    disability_kind = models.CharField(
        _("disability kind"), max_length=16, choices=DisabilityKind.choices, blank=True
    )
    death_date = models.DateField(_("death date"), null=True, blank=True)
    # 特困 facts (POLICY §3): self-care items failed of six (eat, dress, get in/out of bed, toilet,
    # walk indoors, bathe), null = not assessed; a legal supporter able to support, null = unknown.
    selfcare_failed_items = models.PositiveSmallIntegerField(
        _("self-care items failed"),
        null=True,
        blank=True,
        help_text=_(
            "How many of the six self-care items (eat, dress, get in/out of bed, toilet, walk "
            "indoors, bathe) the person cannot do; empty if not assessed."
        ),
    )
    has_capable_supporter = models.BooleanField(
        _("has a capable supporter"),
        null=True,
        blank=True,
        help_text=_("A legal supporter able to support the person; empty if unknown."),
    )
    # The division of the household the person currently lives in (their open membership's
    # household's), None when in no household. A copy for the search index below (ADR 0751),
    # kept by the registry's services and the bulk loader, never edited; not in history.
    household_division = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("division of the current household"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["household_division"])

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            # "Living in the jurisdiction AND name starts with": a range of divisions (or one
            # division per lookup) then a name prefix, in one index (ADR 0751). The pattern
            # opclasses serve LIKE 'x%' on PostgreSQL whatever the collation; SQLite ignores them.
            models.Index(
                fields=["household_division", "name"],
                name="registry_person_hhdiv_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            # The same for "registered (户籍) in the jurisdiction AND name starts with".
            models.Index(
                fields=["hukou_division", "name"],
                name="registry_person_hukou_name",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="person_disability_grade_1_4",
            ),
            models.CheckConstraint(
                condition=Q(selfcare_failed_items__isnull=True)
                | Q(selfcare_failed_items__gte=0, selfcare_failed_items__lte=6),
                name="person_selfcare_failed_items_0_6",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household (户). Its members are the open memberships; the head is the member whose
    relation is `head`."""

    number = models.CharField(_("household number"), max_length=32, unique=True)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="households", verbose_name=_("division")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_rural = models.BooleanField(_("rural"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.number


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Membership(models.Model):
    """A person's membership of a household over a period; closed (not deleted) on a move."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["household_id", "id"]
        constraints = [
            # A person is in at most one household at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(end_date__isnull=True), name="one_open_membership"
            ),
            # A household has at most one head at a time.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end_date__isnull=True, relation="head"),
                name="one_open_head",
            ),
        ]
        indexes = [models.Index(fields=["household", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id} ({self.relation})"


class Category(models.TextChoices):
    """Recipient databases named by the plan (POLICY §1); labels from the one catalogue
    (safetynet.rules.catalog), translated by the Django catalogues."""

    DIBAO = "dibao", _(CATALOG["dibao"].choice)
    TEKUN = "tekun", _(CATALOG["tekun"].choice)
    LOW_INCOME = "low_income", _(CATALOG["low_income"].choice)
    ILLNESS_POVERTY = "illness_poverty", _(CATALOG["illness_poverty"].choice)
    LEFT_BEHIND_CHILD = "left_behind_child", _(CATALOG["left_behind_child"].choice)
    ENTITLED_GROUP = "entitled_group", _(CATALOG["entitled_group"].choice)
    FIVE_ELDERS = "five_elders", _(CATALOG["five_elders"].choice)
    RETIRED_40PCT = "retired_40pct", _(CATALOG["retired_40pct"].choice)
    SILICOSIS = "silicosis", _(CATALOG["silicosis"].choice)
    ELDERLY_80 = "elderly_80", _(CATALOG["elderly_80"].choice)
    DISABLED = "disabled", _(CATALOG["disabled"].choice)
    DECEASED = "deceased", _(CATALOG["deceased"].choice)


# The short Chinese labels of a roster's 救助类别 column (the importer), from the one catalogue.
CATEGORY_SHORT_LABELS = {CATALOG[code].short_zh: code for code in Category.values}


class Enrolment(models.Model):
    """A person's dated membership of a recipient database, with its legal basis."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person_id", "category", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="enrolment_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["category", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category} from {self.start_date}"

"""12349 elderly care (POLICY §5, ㈡; docs/eldercare.md, ADR 1200–1206).

The elderly database is the registry's persons aged 60+ (never a copy): eldercare keeps only what
is its own — the living situation and the person's phone (`ElderProfile`), the dated six-item
self-care assessments, the contacts (relatives), the service card, the credit — keyed by the
registry's person. Providers (加盟商) are admitted, contracted, priced and suspended here and call
the API as an institution (ADR 1100). Calls and service orders are the one number; the order's
states are a plain table (`states.py`, as ADR 0810).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import states

# --------------------------------------------------------------------------- elderly database


class LivingSituation(models.TextChoices):
    ALONE = "alone", _("Lives alone")
    SPOUSE = "spouse", _("With spouse only")
    FAMILY = "family", _("With family")
    UNKNOWN = "unknown", _("Not recorded")


class SelfCareLevel(models.TextChoices):
    CAPABLE = "capable", _("Able to care for oneself")
    PARTLY = "partly", _("Partly disabled")
    FULLY = "fully", _("Fully disabled")
    UNKNOWN = "unknown", _("Not assessed")


class SelfCareItem(models.TextChoices):
    """The six items of POLICY §3, in their order."""

    EAT = "eat", _("Eating")
    DRESS = "dress", _("Dressing")
    BED = "bed", _("Getting in and out of bed")
    TOILET = "toilet", _("Using the toilet")
    WALK = "walk", _("Walking indoors")
    BATHE = "bathe", _("Bathing")


SELFCARE_ITEMS = tuple(SelfCareItem.values)


class ElderProfile(models.Model):
    """What eldercare itself knows of an elderly person (created on first record)."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, primary_key=True, related_name="elder"
    )
    living_situation = models.CharField(
        _("living situation"),
        max_length=16,
        choices=LivingSituation.choices,
        default=LivingSituation.UNKNOWN,
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    # The latest assessment's result (kept by assessment_record; the list filters on it).
    selfcare_level = models.CharField(
        _("self-care"), max_length=16, choices=SelfCareLevel.choices, default="unknown"
    )
    selfcare_failed_items = models.PositiveSmallIntegerField(null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("elderly person's profile")
        indexes = [models.Index(fields=["living_situation"], name="eldercare_profile_living")]

    def __str__(self) -> str:
        return str(self.person_id)


class SelfCareAssessment(models.Model):
    """One dated six-item self-care assessment (POLICY §3): True = can do it unaided."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="selfcare_assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    eat = models.BooleanField(_("eats unaided"))
    dress = models.BooleanField(_("dresses unaided"))
    bed = models.BooleanField(_("gets in and out of bed unaided"))
    toilet = models.BooleanField(_("uses the toilet unaided"))
    walk = models.BooleanField(_("walks indoors unaided"))
    bathe = models.BooleanField(_("bathes unaided"))
    failed_items = models.PositiveSmallIntegerField(_("items failed"))
    level = models.CharField(_("result"), max_length=16, choices=SelfCareLevel.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("self-care assessment")
        constraints = [
            models.CheckConstraint(
                condition=Q(failed_items__lte=6), name="eldercare_assessment_items_0_6"
            )
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ContactRelation(models.TextChoices):
    CHILD = "child", _("Son or daughter")
    SPOUSE = "spouse", _("Spouse")
    SIBLING = "sibling", _("Brother or sister")
    GRANDCHILD = "grandchild", _("Grandchild")
    NEIGHBOUR = "neighbour", _("Neighbour")
    OTHER = "other", _("Other")


class ElderContact(models.Model):
    """A relative or neighbour to call for the person (their name and phone are eldercare's)."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="elder_contacts"
    )
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    relation = models.CharField(_("relation"), max_length=16, choices=ContactRelation.choices)
    is_primary = models.BooleanField(_("first to call"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


# --------------------------------------------------------------------------- providers


class ProviderStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")


class ServiceItem(models.TextChoices):
    MEALS = "meals", _("Meals")
    HOUSEKEEPING = "housekeeping", _("Housekeeping")
    BATHING = "bathing", _("Bathing")
    MEDICAL_ESCORT = "medical_escort", _("Medical escort")
    TRANSPORT = "transport", _("Transport")
    REPAIRS = "repairs", _("Home repairs")
    COMPANIONSHIP = "companionship", _("Companionship")


class Provider(models.Model):
    """A franchisee (加盟商) from its application to its exit. On admission it becomes an
    institution (kind provider) with API keys and a settlement account (ADR 1100)."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200)
    division = models.ForeignKey(
        "registry.Division", on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    qualifications = models.TextField(
        _("qualifications"), help_text=_("Licences and certificates, one per line.")
    )
    bank_code = models.CharField(_("bank code"), max_length=16)
    bank_name = models.CharField(_("bank name"), max_length=64)
    account_number = models.CharField(_("account number"), max_length=32)
    account_holder = models.CharField(_("account holder"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=ProviderStatus.choices, default="applied"
    )
    status_reason = models.CharField(_("reason"), max_length=200, blank=True)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contract_number = models.CharField(_("contract number"), max_length=40, blank=True)
    contract_from = models.DateField(_("contract from"), null=True, blank=True)
    contract_to = models.DateField(_("contract until"), null=True, blank=True)
    institution = models.OneToOneField(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eldercare_provider",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("elderly-care provider")

    def __str__(self) -> str:
        return self.name

    @property
    def code(self) -> str:
        """The ID column of the bank file (ADR 1210): the credit code, the institution's code."""
        return self.credit_code


class ProviderItem(models.Model):
    """A standard service item the provider offers, at its contracted price (fen)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="items")
    item = models.CharField(_("service item"), max_length=16, choices=ServiceItem.choices)
    price_fen = models.PositiveIntegerField(_("price"))
    unit = models.CharField(_("unit"), max_length=16, default="次")

    class Meta:
        ordering = ["provider_id", "item"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "item"], name="eldercare_item_once")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ProviderArea(models.Model):
    """A division (street or community) the provider serves."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="areas")
    division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["provider_id", "division_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "division"], name="eldercare_area_once")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ProviderStaff(models.Model):
    """A login of the provider's staff (role provider_staff)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="eldercare_staff"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff")

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ProviderEventKind(models.TextChoices):
    APPLIED = "applied", _("Application received")
    APPROVED = "approved", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    CONTRACT = "contract", _("Contract signed")
    SUSPENDED = "suspended", _("Suspended")
    REINSTATED = "reinstated", _("Reinstated")
    EXITED = "exited", _("Exited")
    COMPLAINT = "complaint", _("Complaint")


class ProviderEvent(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=16, choices=ProviderEventKind.choices)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    order = models.ForeignKey(
        "eldercare.ServiceOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["provider", "kind", "at"], name="eldercare_pevent_kind")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


# --------------------------------------------------------------------------- calls and orders


class CallTopic(models.TextChoices):
    SERVICE = "service", _("Service request")
    INQUIRY = "inquiry", _("Policy inquiry")
    COMPLAINT = "complaint", _("Complaint")
    CARE = "care", _("Caring call")
    OTHER = "other", _("Other")


class CallOutcome(models.TextChoices):
    ORDER = "order", _("Order created")
    ANSWERED = "answered", _("Answered")
    REFERRED = "referred", _("Referred to the office")
    NO_ACTION = "no_action", _("No action")


class Call(models.Model):
    """One call to 12349: who called, who they were found to be, what about, how it ended."""

    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    caller_number = models.CharField(_("caller's number"), max_length=20, db_index=True)
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elder_calls",
        verbose_name=_("elderly person"),
    )
    contact = models.ForeignKey(
        ElderContact,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("caller (contact)"),
    )
    topic = models.CharField(_("topic"), max_length=16, choices=CallTopic.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("call")

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class OrderStatus(models.TextChoices):
    CREATED = states.Status.CREATED.value, _("Awaiting dispatch")
    DISPATCHED = states.Status.DISPATCHED.value, _("Dispatched")
    ACCEPTED = states.Status.ACCEPTED.value, _("Accepted")
    DONE = states.Status.DONE.value, _("Done")
    VISITED = states.Status.VISITED.value, _("Visited back")
    CANCELLED = states.Status.CANCELLED.value, _("Cancelled")


class OrderAction(models.TextChoices):
    CREATE = "create", _("Created")
    DISPATCH = states.Action.DISPATCH.value, _("Dispatched")
    DECLINE = states.Action.DECLINE.value, _("Declined by the provider")
    ACCEPT = states.Action.ACCEPT.value, _("Accepted")
    COMPLETE = states.Action.COMPLETE.value, _("Service done")
    VISIT = states.Action.VISIT.value, _("Visited back and rated")
    CANCEL = states.Action.CANCEL.value, _("Cancelled")
    SETTLE = "settle", _("Settled against the card")


class ServiceOrder(models.Model):
    number = models.CharField(_("order number"), max_length=20, unique=True)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="elder_orders"
    )
    # The person's community at creation (jurisdiction and service area; a code, like ADR 0751).
    division = models.ForeignKey("registry.Division", on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    item = models.CharField(_("service item"), max_length=16, choices=ServiceItem.choices)
    note = models.CharField(_("request"), max_length=500, blank=True)
    wanted_on = models.DateField(_("wanted on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrderStatus.choices,
        default=OrderStatus.CREATED,
    )
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    price_fen = models.PositiveIntegerField(_("price"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_staff = models.CharField(_("served by"), max_length=64, blank=True)
    done_note = models.CharField(_("service note"), max_length=500, blank=True)
    visited_at = models.DateTimeField(_("visited back at"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_note = models.CharField(_("visit note"), max_length=500, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Settlement against the card (one card; credit first, the rest paid by the person).
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    card = models.ForeignKey(
        "eldercare.ServiceCard", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_fen = models.PositiveIntegerField(_("paid from the credit"), default=0)
    self_pay_fen = models.PositiveIntegerField(_("paid by the person"), default=0)
    city_fen = models.PositiveIntegerField(default=0)
    district_fen = models.PositiveIntegerField(default=0)
    street_fen = models.PositiveIntegerField(default=0)
    statement = models.ForeignKey(
        "eldercare.ProviderStatement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service order")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="eldercare_order_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(settled_at__isnull=True)
                | Q(price_fen=models.F("credit_fen") + models.F("self_pay_fen")),
                name="eldercare_order_settled_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    credit_fen=models.F("city_fen")
                    + models.F("district_fen")
                    + models.F("street_fen")
                ),
                name="eldercare_order_split_adds_up",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "division"], name="eldercare_order_status"),
            models.Index(fields=["provider", "status"], name="eldercare_order_provider"),
            models.Index(fields=["provider", "settled_at"], name="eldercare_order_settled"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderEvent(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=OrderAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class Complaint(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="complaints")
    order = models.ForeignKey(
        ServiceOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("complaint"), max_length=500)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["provider", "recorded_at"], name="eldercare_complaint_at")]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


# --------------------------------------------------------------------------- credit and cards


class CreditAccount(models.Model):
    """A person's service credit: granted (monthly) and spent (orders settled). Locked (SELECT …
    FOR UPDATE) by every grant and settlement of the person, so the balance never goes negative."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, primary_key=True, related_name="elder_credit"
    )
    granted_fen = models.BigIntegerField(default=0)
    spent_fen = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(spent_fen__gte=0) & Q(spent_fen__lte=models.F("granted_fen")),
                name="eldercare_credit_not_overspent",
            )
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"

    @property
    def balance_fen(self) -> int:
        return self.granted_fen - self.spent_fen


class CreditGrant(models.Model):
    """The month's credit of one person (the rules' `monthly_credit`), granted once."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="elder_credit_grants"
    )
    month = models.CharField(_("month"), max_length=7)
    tier = models.CharField(_("self-care"), max_length=16, choices=SelfCareLevel.choices)
    category = models.CharField(_("category"), max_length=24)
    amount_fen = models.PositiveIntegerField(_("amount"))
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="eldercare_grant_once")
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    LOST = "lost", _("Reported lost")
    REPLACED = "replaced", _("Replaced")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceCard(models.Model):
    """An elderly service card (养老服务一卡通). One card in use per person; a lost card is
    replaced by a new number (`replaces` keeps the history)."""

    number = models.CharField(_("card number"), max_length=20, unique=True)
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="elder_cards"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CardStatus.choices, default="active"
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    status_changed_on = models.DateField(_("status since"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("elderly service card")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="eldercare_one_card_in_use"
            )
        ]

    def __str__(self) -> str:
        return self.number


class ProviderStatement(models.Model):
    """One provider's monthly statement (结算单): the credit part of the orders settled in the
    month, booked as a payable (ADR 1204, as the hospitals' ADR 1102)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="statements")
    month = models.CharField(_("month"), max_length=7)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    amount_fen = models.BigIntegerField(_("amount due"), default=0)
    self_pay_fen = models.BigIntegerField(_("paid by the persons"), default=0)
    city_fen = models.BigIntegerField(default=0)
    district_fen = models.BigIntegerField(default=0)
    street_fen = models.BigIntegerField(default=0)
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    journal_source = models.CharField(max_length=80, blank=True)
    # paid by bank file (ADR 1210, institutions/reimbursement.py)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_file = models.ForeignKey(
        "eldercare.ReimbursementFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
    )

    class Meta:
        ordering = ["-month", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="eldercare_statement_once"),
            models.CheckConstraint(
                condition=Q(
                    amount_fen=models.F("city_fen")
                    + models.F("district_fen")
                    + models.F("street_fen")
                ),
                name="eldercare_statement_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ReimbursementFile(models.Model):
    """The payable file of providers' statements sent to the bank (ADR 1210, the hospitals'
    ADR 1103): one line per statement, to the provider's settlement account."""

    month = models.CharField(_("month"), max_length=7)
    reference = models.CharField(_("file reference"), max_length=40, unique=True)
    bank_code = models.CharField(_("bank code"), max_length=16)
    file = models.FileField(upload_to="eldercare/reimbursements/")
    line_count = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)
    made_at = models.DateTimeField(auto_now_add=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-made_at"]
        verbose_name = _("reimbursement file")

    def __str__(self) -> str:
        return self.reference

"""Funds (POLICY §10): double-entry books, budgets, overrides and fund income (docs/funds.md).

The books balance in the database itself (ADR 0921): a deferred constraint trigger on
PostgreSQL and row triggers on SQLite (migration 0002) refuse a journal entry whose postings do
not add up to zero, or whose postings are not the number it declares."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountRoot(models.TextChoices):
    ASSETS = "Assets", _("Assets")
    LIABILITIES = "Liabilities", _("Liabilities")
    EQUITY = "Equity", _("Equity")
    INCOME = "Income", _("Income")
    EXPENSES = "Expenses", _("Expenses")


class Level(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street / town")


class Account(models.Model):
    """One account of the chart (chart.py); `code` is its Beancount name."""

    code = models.CharField(_("account"), max_length=120, unique=True)
    root = models.CharField(_("type"), max_length=12, choices=AccountRoot.choices)
    fund = models.CharField(_("fund"), max_length=24)
    level = models.CharField(_("level"), max_length=8, blank=True)
    district = models.CharField(_("district"), max_length=6, blank=True)
    program = models.CharField(_("program"), max_length=32, blank=True)
    name_zh = models.CharField(_("name"), max_length=120)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")

    def __str__(self) -> str:
        return self.code


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Budget allocation")
    APPROVAL = "approval", _("Payroll approved")
    FUNDING = "funding", _("Bank file funded")
    PAID = "paid", _("Payment confirmed")
    FAILED = "failed", _("Payment failed")
    RECOVERY = "recovery", _("Overpayment to recover")
    DEDUCTION = "deduction", _("Recovery deducted")
    REFUND = "refund", _("Refund received")
    WRITE_OFF = "write_off", _("Recovery written off")
    TA_FUND = "ta_fund", _("Temporary-assistance fund raised")
    LOTTERY = "lottery", _("Lottery public-welfare income")
    DONATION = "donation", _("Donation income")


class JournalEntry(models.Model):
    """One balanced journal entry (凭证). `source` names what it books, `<kind>:<reference>`
    (e.g. `approval:payroll:12`): booked once, in the database."""

    on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    memo = models.CharField(_("memo"), max_length=200)
    source = models.CharField(_("source"), max_length=80)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posting_count = models.PositiveSmallIntegerField(_("postings"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(fields=["source"], name="funds_entry_once_per_source"),
            models.CheckConstraint(
                condition=Q(posting_count__gte=2), name="funds_entry_two_postings"
            ),
        ]
        indexes = [models.Index(fields=["on"], name="funds_entry_on")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.on} {self.kind} {self.source}"


class Posting(models.Model):
    """One leg of an entry: a signed amount in fen (debit > 0, credit < 0, as in Beancount).
    `district` and `program` are what the money concerns (the statements' dimensions; an
    account without a program, like the bank clearing account, still knows whose money it is)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    district = models.CharField(_("district"), max_length=6, blank=True)
    program = models.CharField(_("program"), max_length=32, blank=True)

    class Meta:
        ordering = ["entry_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="funds_posting_not_zero"),
        ]
        indexes = [
            models.Index(fields=["account", "entry"], name="funds_posting_account"),
            models.Index(fields=["district"], name="funds_posting_district"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen}"


class Budget(models.Model):
    """The year's budget of a program at a level (the district and street levels per district).
    Each allocation (the first and each supplement) posts an entry."""

    year = models.PositiveSmallIntegerField(_("year"))
    program = models.CharField(_("program"), max_length=32)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    district = models.CharField(_("district"), max_length=6, blank=True)
    amount_fen = models.BigIntegerField(_("budget (fen)"))
    allocations = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "program", "level", "district"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "program", "level", "district"], name="funds_budget_once"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0), name="funds_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(level="city") & Q(district=""))
                | (Q(level__in=["district", "street"]) & ~Q(district="")),
                name="funds_budget_district_by_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.program} {self.level} {self.district}"


class BudgetOverride(models.Model):
    """The city's explicit permission for a payroll to exceed its budgets (POLICY §10)."""

    payroll_id = models.PositiveIntegerField(_("payroll"), unique=True)
    payroll_month = models.CharField(_("benefit month"), max_length=7)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    shortfalls = models.JSONField(default=list)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("budget override")
        verbose_name_plural = _("budget overrides")

    def __str__(self) -> str:
        return f"override payroll {self.payroll_id}"


class FundIncome(models.Model):
    """Money raised for assistance outside the budget appropriations: the temporary-assistance
    fund, lottery public-welfare money, donations."""

    kind = models.CharField(_("kind"), max_length=24)
    on = models.DateField(_("date"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    payer = models.CharField(_("from"), max_length=120)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("fund income")
        verbose_name_plural = _("fund income")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funds_income_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on} {self.amount_fen}"

"""Bank files and their results (docs/bank-files.md, ADR 0910). Imported by models.py.

A BankFile is one payment file to one bank for one payroll's send; each of its lines is a
BankFileEntry with a unique line reference, the amount and the account it was sent to, and the
bank's answer (pending → paid | failed). A payment line that failed is sent again in a later
payroll's file as a new entry; the database holds at most one *paid* entry and at most one
*pending* entry per payment line (partial unique constraints), so no line is ever paid twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safetynet.core.files import PrivateFileSystemStorage

from .models import BankAccount, PaymentLine, Payroll


class BankFileFormat(models.TextChoices):
    XLSX = "xlsx", "Excel (.xlsx)"
    CSV = "csv", "CSV"


class EntryResult(models.TextChoices):
    PENDING = "pending", _("Awaiting the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    # paid, then returned by the bank (a Refund, ADR 0943): no longer counts as paid
    RETURNED = "returned", _("Returned by the bank")


class BankFile(models.Model):
    """One payment file to one bank (代发文件)."""

    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="bank_files")
    reference = models.CharField(_("file reference"), max_length=64, unique=True)
    bank_code = models.CharField(_("bank code"), max_length=16)
    bank_name = models.CharField(_("bank name"), max_length=64)
    format = models.CharField(_("format"), max_length=8, choices=BankFileFormat.choices)
    file = models.FileField(storage=PrivateFileSystemStorage(), upload_to="bank_files/%Y/%m/")
    count = models.PositiveIntegerField(_("lines"))
    total_fen = models.BigIntegerField(_("total (fen)"))
    checksum = models.CharField(_("SHA-256"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payroll_id", "bank_code"]
        verbose_name = _("bank file")
        verbose_name_plural = _("bank files")
        constraints = [
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="payments_bankfile_total"),
        ]

    def __str__(self) -> str:
        return self.reference


class BankResultFile(models.Model):
    """A result file a bank sent back (回盘文件), kept as received."""

    bank_file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="results")
    file = models.FileField(storage=PrivateFileSystemStorage(), upload_to="bank_results/%Y/%m/")
    original_name = models.CharField(max_length=200, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    answered = models.DateField(_("answered on"))
    lines = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["imported_at", "id"]
        verbose_name = _("bank result file")
        verbose_name_plural = _("bank result files")

    def __str__(self) -> str:
        return f"{self.bank_file_id}: {self.original_name}"


class BankFileEntry(models.Model):
    """One line of a bank file: a payment line sent once, with the bank's answer."""

    # no single-column indexes where a composite one leads with the column (bulk COPY speed)
    file = models.ForeignKey(
        BankFile, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    line = models.ForeignKey(
        PaymentLine, on_delete=models.PROTECT, related_name="bank_entries", db_index=False
    )
    reference = models.CharField(_("line reference"), max_length=32, unique=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="bank_entries", db_index=False
    )
    account_number = models.CharField(max_length=32)
    holder_name = models.CharField(max_length=64)
    result = models.CharField(
        _("result"), max_length=8, choices=EntryResult.choices, default=EntryResult.PENDING
    )
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    result_date = models.DateField(null=True, blank=True)
    result_file = models.ForeignKey(
        BankResultFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )

    class Meta:
        ordering = ["file_id", "id"]
        verbose_name = _("bank file line")
        verbose_name_plural = _("bank file lines")
        constraints = [
            # a payment line is paid at most once, ever
            models.UniqueConstraint(
                fields=["line"], condition=Q(result="paid"), name="payments_entry_paid_once"
            ),
            # and is in at most one bank's hands at a time
            models.UniqueConstraint(
                fields=["line"], condition=Q(result="pending"), name="payments_entry_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(result__in=["pending", "paid", "failed", "returned"]),
                name="payments_entry_result_known",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0), name="payments_entry_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(result__in=["failed", "returned"]) | Q(reason=""),
                name="payments_entry_reason_on_failed",
            ),
        ]
        indexes = [
            models.Index(fields=["file", "result"], name="payments_entry_file_result"),
            models.Index(fields=["line", "result"], name="payments_entry_line_result"),
        ]

    def __str__(self) -> str:
        return self.reference

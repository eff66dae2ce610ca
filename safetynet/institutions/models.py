"""Outside institutions that call the platform's API with their own credentials (ADR 1100):
hospitals (medical assistance one-stop settlement, 一站式结算), funeral homes (殡葬服务机构) and
elderly-care providers (养老服务机构). Each is reimbursed to its own bank account."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class InstitutionKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    FUNERAL_HOME = "funeral_home", _("Funeral home")
    PROVIDER = "provider", _("Elderly-care provider")


class Institution(models.Model):
    """A hospital, funeral home or care provider under agreement with the bureau (定点机构)."""

    code = models.CharField(
        _("institution code"),
        max_length=32,
        unique=True,
        help_text=_("The agreement or unified social credit code (统一社会信用代码)."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=InstitutionKind.choices)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="institutions",
    )
    # Where reimbursements are paid (the institution's settlement account, 结算账户).
    bank_code = models.CharField(_("bank code"), max_length=16)
    bank_name = models.CharField(_("bank name"), max_length=64)
    account_number = models.CharField(_("account number"), max_length=32)
    account_holder = models.CharField(_("account holder"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ApiKey(models.Model):
    """One credential of an institution. Only the SHA-256 of the secret is stored; the key is
    shown once when issued. `prefix` (public, unique) finds the row; revocation is final."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="api_keys")
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["institution_id", "created_at", "id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="institutions_key_revoked_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.institution.code})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

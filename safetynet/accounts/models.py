"""Users: every user has one role and one jurisdiction (a division subtree)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    STREET_OFFICER = "street_officer", _("Street / town officer")
    DISTRICT_APPROVER = "district_approver", _("District approver")
    CITY_ADMIN = "city_admin", _("City administrator")
    VERIFICATION_OPERATOR = "verification_operator", _("Verification operator")
    AUDITOR = "auditor", _("Auditor")
    # The bureau's finance office (计财): checks the monthly payroll and closes it (ADR 0940).
    CITY_FINANCE = "city_finance", _("City finance officer")
    # 12349 elderly care (safetynet/eldercare, ADR 1200): the call centre's operator (city) and a
    # provider's staff (no jurisdiction: they see only their provider's orders).
    ELDERCARE_OPERATOR = "eldercare_operator", _("12349 operator")
    PROVIDER_STAFF = "provider_staff", _("Provider staff")


# Roles that work cases face to face and so see whole ID numbers on a detail page
# (ADR 0003). Administrators and auditors see masked numbers everywhere.
ROLES_SEEING_FULL_ID = frozenset(
    {
        Role.COMMUNITY_WORKER,
        Role.STREET_OFFICER,
        Role.DISTRICT_APPROVER,
        Role.VERIFICATION_OPERATOR,
    }
)

# The division level each role's jurisdiction is expected to be at.
ROLE_JURISDICTION_LEVEL = {
    Role.COMMUNITY_WORKER: "community",
    Role.STREET_OFFICER: "street",
    Role.DISTRICT_APPROVER: "district",
    Role.CITY_ADMIN: "city",
    Role.VERIFICATION_OPERATOR: "city",
    Role.AUDITOR: "city",
    Role.CITY_FINANCE: "city",
    Role.ELDERCARE_OPERATOR: "city",
}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    jurisdiction = models.ForeignKey(
        "registry.Division",
        on_delete=models.PROTECT,
        null=True,
        related_name="users",
        verbose_name=_("jurisdiction"),
    )

    def get_full_name(self) -> str:
        """The person's name as a Chinese document writes it: family name first, no space
        (张 + 晓明 = 张晓明); Django's default is "first last". Empty when no name is set."""
        last, first = self.last_name.strip(), self.first_name.strip()
        if any(ord(ch) > 0x2E7F for ch in last + first):
            return f"{last}{first}"
        return " ".join(part for part in (first, last) if part)

    @property
    def scope_prefix(self) -> str | None:
        """Division-code prefix of everything this user may see; None means nothing."""
        if self.jurisdiction_id is None:
            return None
        return self.jurisdiction.scope_prefix

    @property
    def sees_full_id_numbers(self) -> bool:
        return self.role in ROLES_SEEING_FULL_ID


class AccountChange(models.Model):
    """One change to what an account may do: its role, jurisdiction, staff or superuser status,
    active status, groups or individual permissions (ADR 0724). Written for every save of a User,
    whoever makes it (the admin, a command, the shell); read by the auditor at /accounts/changes/.
    Never edited or deleted through the product."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="account_changes_made",
        verbose_name=_("changed by"),
    )
    actor_username = models.CharField(_("changed by (username)"), max_length=150, blank=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="account_changes",
        verbose_name=_("account"),
    )
    username = models.CharField(_("account (username)"), max_length=150)
    field = models.CharField(_("field"), max_length=32)
    old = models.TextField(_("before"), blank=True)
    new = models.TextField(_("after"), blank=True)
    via = models.CharField(_("via"), max_length=32)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}.{self.field}: {self.old} → {self.new}"

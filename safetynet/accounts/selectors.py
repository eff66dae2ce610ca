"""Reads of accounts."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import AccountChange, Role, User
from .permissions import require


def account_changes(*, actor: User, username: str = "") -> QuerySet[AccountChange]:
    """The audit trail of accounts, newest first (the auditor's: `accounts.view_account_changes`,
    else NotPermittedError); optionally only the changes to one account."""
    require(actor, "accounts.view_account_changes")
    qs = AccountChange.objects.all()
    if username:
        qs = qs.filter(username=username)
    return qs


def shown_value(change: AccountChange, value: str) -> str:
    """A recorded value as the page shows it: roles by their label, jurisdictions by the
    division's name, flags as 是/否, the password's "(set)" in words; the rest as recorded."""
    from safetynet.core import labels

    if change.field == "role" and value in Role.values:
        return str(Role(value).label)
    if change.field == "jurisdiction" and value:
        return labels.division_name(value)
    if value in ("True", "False"):
        return labels.yes_no(value)
    if change.field == "password" and value == "(set)":
        return str(_("set"))
    return value

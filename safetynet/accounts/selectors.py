"""Reads of accounts."""

from django.db.models import QuerySet

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
    """A recorded value as the page shows it: roles by their label, the rest as recorded."""
    if change.field == "role" and value in Role.values:
        return str(Role(value).label)
    return value

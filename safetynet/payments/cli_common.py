"""What the `payroll` command's parts share (the command itself, `flow_cli`, `bank_cli`): bad
input or a refusal exits 2 naming the field; `--as` names an active user."""

from __future__ import annotations

from django.core.management.base import CommandError

BAD_INPUT = 2


def fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def actor_named(username: str):
    """The active user `--as` names, or exit 2."""
    from safetynet.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise fail(f"--as: no active user {username!r}") from None

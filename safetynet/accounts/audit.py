"""The audit trail of accounts (ADR 0724): every change to what an account may do is an
AccountChange row, whichever path made it (the Django admin, `demo_users`, `createsuperuser`, the
shell). Receivers of the User model's save/delete and its groups/permissions m2m signals write the
rows; the caller says who acts and through what with `acting(actor, via)` (the admin does), else
the row says ``system`` with no actor.

This is an audit log, not business logic: it never refuses anything. Who may change what is
decided by the admin (`accounts/admin.py`: superuser-only fields). Writes that bypass model signals
(`QuerySet.update`, raw SQL) are not recorded; the product makes none on users.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

from .models import AccountChange, User

# Fields recorded, as stored on the model (jurisdiction by its code).
TRACKED = ("role", "jurisdiction_id", "is_staff", "is_superuser", "is_active", "password")
FIELD_NAME = {"jurisdiction_id": "jurisdiction"}
# What only a superuser may change (the admin enforces it; the audit records every change).
SUPERUSER_ONLY = ("role", "jurisdiction", "is_staff", "is_superuser", "groups", "user_permissions")

_acting: ContextVar[tuple[User | None, str]] = ContextVar("account_actor", default=(None, "system"))
_SKIP = object()


@contextmanager
def acting(actor: User | None, via: str):
    """Attribute the account changes made inside the block to `actor`, through `via`."""
    token = _acting.set((actor, via))
    try:
        yield
    finally:
        _acting.reset(token)


def _shown(field: str, value) -> str:
    if field == "password":
        return "(set)" if value else ""
    if value is None:
        return ""
    return str(value)


def _record(user: User, field: str, old: str, new: str) -> None:
    actor, via = _acting.get()
    if actor is not None and not getattr(actor, "pk", None):
        actor = None  # an unsaved or anonymous actor
    AccountChange.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        user=user if user.pk else None,
        username=user.get_username(),
        field=field,
        old=old,
        new=new,
        via=via,
    )


def _before_save(sender, instance: User, raw=False, update_fields=None, **kwargs):
    if raw:
        instance._account_before = _SKIP  # fixtures
        return
    if update_fields is not None and not {*update_fields} & {*TRACKED, "jurisdiction"}:
        instance._account_before = _SKIP  # e.g. last_login on every login
        return
    before = None
    if instance.pk is not None:
        before = User.objects.filter(pk=instance.pk).values(*TRACKED).first()
    instance._account_before = before


def _after_save(sender, instance: User, created=False, raw=False, **kwargs):
    before = getattr(instance, "_account_before", None)
    instance._account_before = _SKIP
    if raw or before is _SKIP:
        return
    for field in TRACKED:
        new = getattr(instance, field)
        if before is None:  # a new account: what it starts with
            if field == "password" or new in (None, "", False):
                continue
            if field == "is_active" and new is True:
                continue
            old = ""
        else:
            old = before[field]
            if field == "password":
                if old == new:
                    continue
                old, new = "(set)" if old else "", "(changed)"
                _record(instance, field, old, new)
                continue
            if old == new:
                continue
        _record(instance, FIELD_NAME.get(field, field), _shown(field, old), _shown(field, new))


def _before_delete(sender, instance: User, **kwargs):
    _record(instance, "deleted", instance.get_username(), "")


def _m2m(field: str):
    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "pre_clear"):
            return
        if reverse:  # group.user_set.add(user): instance is the group, pk_set the users
            users = list(User.objects.filter(pk__in=pk_set or ()))
            names = [str(instance)]
            if action == "pre_clear":
                users = list(instance.user_set.all())
            pairs = [(u, names) for u in users]
        else:
            if action == "pre_clear":
                names = [str(o) for o in getattr(instance, field).all()]
            else:
                names = [str(o) for o in model.objects.filter(pk__in=pk_set or ())]
            pairs = [(instance, names)]
        for user, changed in pairs:
            for name in changed:
                if action == "post_add":
                    _record(user, field, "", name)
                else:
                    _record(user, field, name, "")

    return receiver


_groups = _m2m("groups")
_permissions = _m2m("user_permissions")


def connect() -> None:
    """Connected once by AccountsConfig.ready()."""
    pre_save.connect(_before_save, sender=User, dispatch_uid="account_audit_pre_save")
    post_save.connect(_after_save, sender=User, dispatch_uid="account_audit_post_save")
    pre_delete.connect(_before_delete, sender=User, dispatch_uid="account_audit_pre_delete")
    m2m_changed.connect(_groups, sender=User.groups.through, dispatch_uid="account_audit_groups")
    m2m_changed.connect(
        _permissions,
        sender=User.user_permissions.through,
        dispatch_uid="account_audit_user_permissions",
    )

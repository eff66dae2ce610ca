"""Writes on institutions and their API keys (ADR 1100). The city administrator registers
institutions and issues or revokes keys; every key row records who issued and who revoked it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from safetynet.accounts.permissions import require
from safetynet.core.errors import NotFoundError
from safetynet.registry.models import Division

from . import keys
from .errors import (
    INSTITUTION_EXISTS,
    INSTITUTION_INACTIVE,
    KEY_ALREADY_REVOKED,
    MESSAGES,
    invalid,
)
from .models import ApiKey, Institution, InstitutionKind

MANAGE = "institutions.manage_institutions"


@dataclass(frozen=True)
class IssuedKey:
    """A newly issued key: `key` is the only time the whole secret exists outside the caller."""

    api_key: ApiKey
    key: str


@transaction.atomic
def institution_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    division_code: str,
    bank_code: str,
    bank_name: str,
    account_number: str,
    account_holder: str,
) -> Institution:
    require(actor, MANAGE)
    problems = []
    if kind not in InstitutionKind.values:
        problems.append(("kind", "invalid_kind", f"kind must be one of {InstitutionKind.values}"))
    for field, value in [
        ("code", code),
        ("name", name),
        ("bank_code", bank_code),
        ("bank_name", bank_name),
        ("account_number", account_number),
        ("account_holder", account_holder),
    ]:
        if not (value or "").strip():
            problems.append((field, "required", f"{field} is required"))
    if problems:
        field, code_, message = problems[0]
        raise invalid(field, code_, message)
    if not Division.objects.filter(code=division_code).exists():
        raise invalid("division", "unknown_division", f"no division {division_code!r}")
    if Institution.objects.filter(code=code.strip()).exists():
        raise invalid("code", INSTITUTION_EXISTS, MESSAGES[INSTITUTION_EXISTS])
    return Institution.objects.create(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        division_id=division_code,
        bank_code=bank_code.strip(),
        bank_name=bank_name.strip(),
        account_number=account_number.strip(),
        account_holder=account_holder.strip(),
    )


@transaction.atomic
def api_key_issue(*, actor, institution_code: str, label: str = "") -> IssuedKey:
    """A new key for the institution; the whole key is returned once and never stored."""
    require(actor, MANAGE)
    institution = Institution.objects.filter(code=institution_code).first()
    if institution is None:
        raise NotFoundError("institution")
    if not institution.is_active:
        raise invalid("institution", INSTITUTION_INACTIVE, MESSAGES[INSTITUTION_INACTIVE])
    prefix, secret_hash, whole = keys.new_key()
    api_key = ApiKey.objects.create(
        institution=institution,
        prefix=prefix,
        secret_hash=secret_hash,
        label=label.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return IssuedKey(api_key=api_key, key=whole)


@transaction.atomic
def api_key_revoke(*, actor, prefix: str, reason: str = "") -> ApiKey:
    """Revoke a key at once (its next request is refused). Final: issue a new key instead."""
    require(actor, MANAGE)
    api_key = ApiKey.objects.select_for_update().filter(prefix=prefix).first()
    if api_key is None:
        raise NotFoundError("API key")
    if api_key.revoked_at is not None:
        raise invalid("prefix", KEY_ALREADY_REVOKED, MESSAGES[KEY_ALREADY_REVOKED])
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor if getattr(actor, "pk", None) else None
    api_key.revoked_reason = reason.strip()
    api_key.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    return api_key

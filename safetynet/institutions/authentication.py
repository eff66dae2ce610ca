"""DRF authentication for institutions' systems (ADR 1100).

`Authorization: ApiKey snk_<prefix>_<secret>`. A valid, unrevoked key of an active institution
gives `request.institution` (and `request.user`, an `InstitutionPrincipal` that has no staff
ability at all). Institution endpoints list only this class, and staff endpoints never list it,
so a key cannot reach a staff endpoint nor a staff login an institution endpoint.

Kept free of `rest_framework.views` imports (DRF loads authentication classes while that module
is still loading, see safetynet/api/authentication.py).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from . import keys

KEYWORD = "ApiKey"
# `last_used_at` is written at most once a minute per key: a busy hospital's every request
# would otherwise update the same row (a hot spot under load), for no better answer.
LAST_USED_GRANULARITY = dt.timedelta(seconds=60)


class InvalidApiKey(exceptions.AuthenticationFailed):
    default_code = "invalid_api_key"
    default_detail = "The API key is not valid."


class RevokedApiKey(exceptions.AuthenticationFailed):
    default_code = "api_key_revoked"
    default_detail = "This API key has been revoked."


class InactiveInstitution(exceptions.AuthenticationFailed):
    default_code = "institution_inactive"
    default_detail = "The institution is inactive."


class MachinePrincipal:
    """`request.user` on a machine's request (an institution, an alarm device): authenticated,
    with no role and no ability (has_perm is always False), so no staff check can ever pass."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    role = None
    pk = None
    id = None
    username = ""

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def has_perms(self, perms, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


class InstitutionPrincipal(MachinePrincipal):
    def __init__(self, institution):
        self.institution = institution
        self.username = f"institution:{institution.code}"


class InstitutionKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None  # not ours: the view's permission answers 401 not_authenticated
        if len(header) != 2:
            raise InvalidApiKey()
        parsed = keys.split_key(header[1].decode(errors="replace"))
        if parsed is None:
            raise InvalidApiKey()
        prefix, secret = parsed
        from .models import ApiKey

        api_key = ApiKey.objects.select_related("institution").filter(prefix=prefix).first()
        if api_key is None or not keys.secret_matches(secret, api_key.secret_hash):
            raise InvalidApiKey()
        if api_key.revoked_at is not None:
            raise RevokedApiKey()
        institution = api_key.institution
        if not institution.is_active:
            raise InactiveInstitution()
        self._touch(api_key)
        request.institution = institution
        request._request.institution = institution
        return InstitutionPrincipal(institution), api_key

    def authenticate_header(self, request) -> str:
        return KEYWORD  # so that a missing or bad key is a 401, not a 403

    @staticmethod
    def _touch(api_key) -> None:
        now = timezone.now()
        if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_GRANULARITY:
            return
        from .models import ApiKey

        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
        ).update(last_used_at=now)
        api_key.last_used_at = now

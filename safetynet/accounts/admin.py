"""Accounts in the Django admin (ADR 0724).

The city administrator (staff, in the "city administrators" group) manages accounts' names,
e-mail, passwords and active status. Role, jurisdiction, staff and superuser status, groups and
individual permissions are for superusers only: read-only for anyone else, refused again on save.
A non-superuser may not change (or reset the password of, or delete) a superuser or another staff
account, which would be a way to become one. Every change to what an account may do is recorded
as an AccountChange (accounts/audit.py), which the auditor reads at /accounts/changes/.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .audit import SUPERUSER_ONLY, acting
from .models import AccountChange, User


def _guards(request_user, obj) -> bool:
    """Whether a non-superuser may modify `obj`: not a superuser, not another staff account."""
    if request_user.is_superuser or obj is None:
        return True
    return not (obj.is_superuser or (obj.is_staff and obj.pk != request_user.pk))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "last_name",
        "first_name",
        "role",
        "jurisdiction",
        "is_active",
        "is_staff",
        "is_superuser",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    list_select_related = ("jurisdiction",)
    raw_id_fields = ("jurisdiction",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Role and jurisdiction"), {"fields": ("role", "jurisdiction")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Role and jurisdiction"), {"fields": ("role", "jurisdiction")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            return (
                BaseUserAdmin.add_fieldsets
            )  # a new account starts with no role: a superuser gives it
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [f for f in SUPERUSER_ONLY if f not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _guards(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _guards(request.user, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and {*form.changed_data} & {*SUPERUSER_ONLY}:
            raise PermissionDenied  # (the fields are read-only: only a forged form gets here)
        super().save_model(request, obj, form, change)

    # Every write of the admin on accounts is attributed to the admin user.
    def changeform_view(self, request, *args, **kwargs):
        with acting(request.user, "admin"):
            return super().changeform_view(request, *args, **kwargs)

    def user_change_password(self, request, *args, **kwargs):
        with acting(request.user, "admin"):
            return super().user_change_password(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with acting(request.user, "admin"):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):  # bulk actions (delete selected)
        with acting(request.user, "admin"):
            return super().changelist_view(request, *args, **kwargs)


@admin.register(AccountChange)
class AccountChangeAdmin(admin.ModelAdmin):
    """Read-only for everyone: the trail is written by accounts/audit.py only."""

    list_display = ("at", "actor_username", "username", "field", "old", "new", "via")
    list_filter = ("field", "via")
    search_fields = ("username", "actor_username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

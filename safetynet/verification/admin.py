"""Admin: read-only views of the verification records (writes go through the services)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, Event, Report, SourceQuery, VerificationRequest


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VerificationRequest)
class VerificationRequestAdmin(ReadOnly):
    list_display = ("number", "household", "purpose", "program", "month", "status", "created_at")
    list_filter = ("status", "purpose", "program")
    search_fields = ("number", "household__number")
    # Families' data is read in the app, where each view is logged; stored files have no URL and
    # are linked to the view that serves them (jurisdiction checked, access logged).
    exclude = ("declared", "authorization_scan")
    readonly_fields = ("authorization_link",)

    @admin.display(description=_("authorization scan"))
    def authorization_link(self, obj):
        if not obj.authorization_scan:
            return "—"
        url = reverse("verification:authorization-scan", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))


@admin.register(SourceQuery)
class SourceQueryAdmin(ReadOnly):
    list_display = ("request", "source", "status", "attempts", "answered_at")
    list_filter = ("status", "source")
    exclude = ("records", "exchange_file", "response_file")


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("number", "request", "conclusion", "created_at")
    list_filter = ("conclusion",)
    exclude = ("figures", "discrepancies", "pdf")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "user", "action", "purpose")
    list_filter = ("action",)


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ("at", "request", "kind", "actor")
    list_filter = ("kind",)

"""Admin: read-only views of the verification records (writes go through the services)."""

from django.contrib import admin

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
    exclude = ("declared",)  # families' data is read in the app, where each view is logged


@admin.register(SourceQuery)
class SourceQueryAdmin(ReadOnly):
    list_display = ("request", "source", "status", "attempts", "answered_at")
    list_filter = ("status", "source")
    exclude = ("records",)


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("number", "request", "conclusion", "created_at")
    list_filter = ("conclusion",)
    exclude = ("figures", "discrepancies")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "user", "action", "purpose")
    list_filter = ("action",)


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ("at", "request", "kind", "actor")
    list_filter = ("kind",)

"""Django admin for the registry: read-only, with the history of every record.

Writes go through the services (rules, jurisdiction, history with a reason), never through the
admin; the admin is for superusers and the city administrator to inspect data and its history.
ID numbers are masked everywhere in the admin — lists, the record's page, its history — for every
user, superusers included (ADR 0002: administering does not need a person's identity; search by a
whole number still works, the number typed being the user's own knowledge).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .ids import mask_id_number
from .models import Division, Enrolment, Household, Membership, Person


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Division)
class DivisionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent", "is_synthetic", "valid_from", "valid_to")
    list_filter = ("level", "is_synthetic", "table_version")
    search_fields = ("code", "name")


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("person", "relation", "start_date", "end_date")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "masked_id_number", "sex", "birth_date", "hukou_division", "death_date")
    list_filter = ("sex", "disability_grade")
    list_select_related = ("hukou_division",)
    search_fields = ("=id_number", "name")
    show_full_result_count = False

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def get_fields(self, request, obj=None):
        """The record's page (and each historical version's) shows the number masked."""
        return [
            "masked_id_number" if f.name == "id_number" else f.name
            for f in self.model._meta.fields
            if not f.primary_key
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("number", "division", "address", "is_rural", "created_at")
    list_filter = ("is_rural",)
    list_select_related = ("division",)
    search_fields = ("=number",)
    inlines = [MembershipInline]
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("household", "person", "relation", "start_date", "end_date")
    list_filter = ("relation",)
    list_select_related = ("household", "person")
    search_fields = ("=household__number", "=person__id_number")
    show_full_result_count = False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("person", "category", "start_date", "end_date", "legal_basis")
    list_filter = ("category",)
    list_select_related = ("person",)
    search_fields = ("=person__id_number",)
    show_full_result_count = False

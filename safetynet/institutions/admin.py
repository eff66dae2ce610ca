from django.contrib import admin

from .models import ApiKey, Institution


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    can_delete = False
    fields = ["prefix", "label", "created_at", "last_used_at", "revoked_at", "revoked_reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are issued by `safetynet institutions key-issue` (shown once)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "division", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "institution", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["institution__kind"]
    search_fields = ["prefix", "institution__code", "institution__name"]
    readonly_fields = [
        "institution",
        "prefix",
        "secret_hash",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        from .services import api_key_revoke

        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(actor=request.user, prefix=api_key.prefix, reason="admin")

"""Cookie consent records in the back office: proof, read only (P10).

A record is what a signed-in customer chose and when; staff can read them (to answer "what did
I agree to?" or to show a regulator) but never add, change or delete one. A customer changes
their choice on the cookie page, which writes a new record.
"""

from django.contrib import admin

from ..admin_masking import MaskPersonalData
from ..models import ConsentRecord


@admin.register(ConsentRecord)
class ConsentRecordAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["created_at", "user", "allowed", "policy_version", "source", "gpc"]
    list_filter = ["source", "gpc", "policy_version"]
    search_fields = ["user__email"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = ["user", "categories", "policy_version", "source", "gpc", "created_at"]

    @admin.display(description="Allowed")
    def allowed(self, obj: ConsentRecord) -> str:
        return ", ".join(obj.categories) or "essential only"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

"""The server log in the back office (P12): read-only, and only for staff with the security
permission `privacy.read_request_logs` (superusers have every permission). Nobody can add,
change or delete a row here: rows are written by the middleware and aged out by the
retention job, as the data map declares."""

from django.contrib import admin
from django.http import HttpRequest

from ..admin_masking import MaskPersonalData
from ..models import RequestLog

PERMISSION = "privacy.read_request_logs"


@admin.register(RequestLog)
class RequestLogAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["at", "method", "path", "status", "ip", "browser", "os", "user_id"]
    list_filter = ["status", ("at", admin.DateFieldListFilter), "method", "ip_truncated"]
    search_fields = ["path"]
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    fields = [
        "at",
        "method",
        "path",
        "status",
        "ip",
        "ip_truncated",
        "user_agent",
        "browser",
        "os",
        "referrer",
        "user_id",
    ]
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

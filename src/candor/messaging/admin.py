from django.contrib import admin
from django.utils.html import format_html

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The local outbox: in embedded mode this is where staff read what the shop sent."""

    list_display = ["created_at", "to_email", "subject", "mail_class", "status", "attempts"]
    list_filter = ["mail_class", "status", "template"]
    search_fields = ["to_email", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields] + ["preview"]
    exclude = ["body_html"]

    @admin.display(description="HTML preview")
    def preview(self, obj):
        return format_html(
            '<iframe sandbox srcdoc="{}" style="width:100%;height:480px;border:1px solid #ccc">'
            "</iframe>",
            obj.body_html,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

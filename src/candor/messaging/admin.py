from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html

from candor.privacy.admin_masking import MaskPersonalData

from .models import OutboxMessage, Subscription, SubscriptionEvent, SubscriptionStatus, Topic


@admin.register(OutboxMessage)
class OutboxMessageAdmin(MaskPersonalData, admin.ModelAdmin):
    """The local outbox: in embedded mode this is where staff read what the shop sent."""

    list_display = ["created_at", "to_email", "subject", "mail_class", "status", "attempts"]
    list_filter = ["mail_class", "status", "template"]
    search_fields = ["to_email", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields] + ["preview", "hidden_body"]
    exclude = ["body_html"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and obj.sensitive:  # a personal sign-in, reset or confirmation link
            return [f for f in fields if f not in ("body_text", "preview")] + ["hidden_body"]
        return fields

    @admin.display(description="Body")
    def hidden_body(self, obj):
        return "Hidden: this message carries a personal link only its recipient may use."

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


class SubscriptionEventInline(admin.TabularInline):
    model = SubscriptionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "source", "policy_version", "mailing"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(MaskPersonalData, admin.ModelAdmin):
    """Consent is given and withdrawn by the person, never edited by staff (P7)."""

    list_display = ["email", "topic", "status", "source", "requested_at", "confirmed_at"]
    list_filter = ["status", "topic__kind", "topic"]
    search_fields = ["email"]
    list_select_related = ["topic"]
    readonly_fields = [f.name for f in Subscription._meta.fields]
    inlines = [SubscriptionEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "key", "confirmed_count"]
    list_filter = ["kind"]
    readonly_fields = ["key", "kind", "one_shot", "created_at"]

    def get_queryset(self, request):
        confirmed = Count(
            "subscriptions", filter=Q(subscriptions__status=SubscriptionStatus.CONFIRMED)
        )
        return super().get_queryset(request).annotate(confirmed=confirmed)

    @admin.display(description="Confirmed subscribers", ordering="confirmed")
    def confirmed_count(self, obj):
        return obj.confirmed

    def has_add_permission(self, request):
        return False

from django.contrib import admin

from candor.privacy.admin_masking import MaskPersonalData

from .models import Payment, PaymentSettings, WebhookEvent


@admin.register(PaymentSettings)
class PaymentSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not PaymentSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["created_at", "order", "method", "amount", "currency", "status"]
    list_filter = ["method", "status"]
    search_fields = ["order__number", "provider_reference"]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_type", "event_id"]
    list_filter = ["provider", "event_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

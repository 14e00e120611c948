from django.contrib import admin

from .models import ShopSettings


@admin.register(ShopSettings)
class ShopSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "legal_name", "email", "phone"]}),
        ("Address", {"fields": ["street_address", "city", "postcode", "country"]}),
        ("Money", {"fields": ["currency", "locale"]}),
    ]

    def has_add_permission(self, request):
        return not ShopSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

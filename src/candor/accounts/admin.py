import allauth.mfa.admin  # noqa: F401  (registers allauth's admin first, so ours replaces it)
from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from candor.privacy.admin_masking import MaskPersonalData

from . import services
from .models import AccountEvent, Address, User


class AddressInline(MaskPersonalData, admin.StackedInline):
    model = Address
    extra = 0
    fields = [
        "name",
        "line1",
        "line2",
        "city",
        "postcode",
        "country",
        "phone",
        ("is_default_shipping", "is_default_billing"),
    ]
    # Defaults move only through the customer's "make default" (one of each kind, enforced).
    readonly_fields = ["is_default_shipping", "is_default_billing"]


class AccountEventInline(MaskPersonalData, admin.TabularInline):
    """The audit trail: read-only, written only by the services."""

    model = AccountEvent
    fk_name = "user"
    extra = 0
    fields = readonly_fields = ["created_at", "action", "acting_user", "note"]
    can_delete = False
    verbose_name_plural = "account history"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description="Re-enable account", permissions=["change"])
def reenable_accounts(modeladmin, request, queryset):
    done = 0
    for user in queryset.filter(is_active=False):
        services.enable_account(user=user, acting_user=request.user, note="Re-enabled by staff")
        done += 1
    modeladmin.message_user(request, f"Re-enabled {done} account(s).", messages.SUCCESS)


@admin.action(description="Disable account (signs them out everywhere)", permissions=["change"])
def disable_accounts(modeladmin, request, queryset):
    done = 0
    for user in queryset.filter(is_active=True).exclude(pk=request.user.pk):
        services.disable_account(user=user, acting_user=request.user, note="Disabled by staff")
        done += 1
    modeladmin.message_user(request, f"Disabled {done} account(s).", messages.SUCCESS)


@admin.register(User)
class UserAdmin(MaskPersonalData, BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "phone",
        "is_staff",
        "is_active",
        "disabled_at",
        "processing_restricted",
    ]
    list_filter = ["is_staff", "is_active", "processing_restricted"]
    search_fields = ["email", "first_name", "last_name"]
    # Disabling and re-enabling go through the audited actions, never a bare checkbox.
    readonly_fields = ["is_active", "disabled_at", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name and phone", {"fields": ["first_name", "last_name", "phone"]}),
        (
            "Access",
            {"fields": ["is_active", "disabled_at", "is_staff", "is_superuser", "groups"]},
        ),
        ("Privacy", {"fields": ["processing_restricted"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [AddressInline, AccountEventInline]
    actions = [reenable_accounts, disable_accounts]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []


# allauth's address list shows every account's addresses: the same masking as the users (P15).
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(MaskPersonalData, BaseEmailAddressAdmin):
    pass


# allauth's Authenticator admin shows and edits `data`: the TOTP secret and the recovery-code
# seed (P14). Ours never shows it: who has which kind of authenticator, and when it was used.
# Deleting one (a staff member who lost the app and the codes) makes them enrol again.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(MaskPersonalData, admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type", "created_at", "last_used_at"]
    fields = readonly_fields = ["user", "type", "created_at", "last_used_at"]
    exclude = ["data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

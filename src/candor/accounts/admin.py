import allauth.mfa.admin  # noqa: F401  (registers allauth's admin first, so ours replaces it)
from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from candor.privacy.admin_masking import MaskPersonalData

from . import powers, services
from .admin_powers import StaffPowerChangeInline, UserPowersAdmin
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


def _each(modeladmin, request, queryset, action, done_label: str, note: str) -> None:
    """Run an account action on each selected account. Staff accounts the acting user may not
    touch are left as they are, and the message says how many (accounts.powers)."""
    done = skipped = 0
    for user in queryset:
        try:
            action(user=user, acting_user=request.user, note=note)
        except powers.PowersRefused:
            skipped += 1
        else:
            done += 1
    modeladmin.message_user(request, f"{done_label} {done} account(s).", messages.SUCCESS)
    if skipped:
        modeladmin.message_user(
            request,
            f"Left {skipped} staff account(s) as they were: only the owner disables or "
            "re-enables a staff account, and only a superuser a superuser's.",
            messages.WARNING,
        )


@admin.action(description="Re-enable account", permissions=["change"])
def reenable_accounts(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset.filter(is_active=False),
        services.enable_account,
        "Re-enabled",
        "Re-enabled by staff",
    )


@admin.action(description="Disable account (signs them out everywhere)", permissions=["change"])
def disable_accounts(modeladmin, request, queryset):
    _each(
        modeladmin,
        request,
        queryset.filter(is_active=True).exclude(pk=request.user.pk),
        services.disable_account,
        "Disabled",
        "Disabled by staff",
    )


# What a staff account may do: shown on its page, changed only on the powers page.
POWERS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(UserPowersAdmin, MaskPersonalData, BaseUserAdmin):
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
    # Disabling and re-enabling go through the audited actions, and staff powers through the
    # powers page (accounts.powers), never a bare checkbox.
    readonly_fields = ["is_active", "disabled_at", "last_login", "date_joined", *POWERS]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name and phone", {"fields": ["first_name", "last_name", "phone"]}),
        ("Access", {"fields": ["is_active", "disabled_at", *POWERS]}),
        ("Privacy", {"fields": ["processing_restricted"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [AddressInline, AccountEventInline, StaffPowerChangeInline]
    actions = [reenable_accounts, disable_accounts]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not powers.may_manage_powers(request.user):
            return fieldsets
        return [
            (title, {**options, "fields": [*options["fields"], "powers_link"]})
            if title == "Access"
            else (title, options)
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "powers_link"] if obj is not None else readonly

    def has_change_permission(self, request, obj=None):
        """An account with staff powers is changed (details, password) only by the owner,
        a superuser's only by a superuser; to anyone else its page is read only."""
        if obj is not None and not powers.may_edit_account(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Its powers are taken away first (audited), then the account can go.
        if obj is not None and powers.holds_powers(obj):
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        """Setting someone's password takes their account over (a staff member's: their
        powers), so only the owner does it; customers reset their own by mail."""
        if not powers.may_manage_powers(request.user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


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

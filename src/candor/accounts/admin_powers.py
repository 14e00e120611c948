"""Staff powers in the back office (P15): the owner's "Staff powers" page of a user, the
audit trail of every change, and the roles (groups) shown read-only.

The user's own change form shows staff status, superuser status, roles and permissions
read-only, to everyone: they change only on the powers page, through accounts.powers, which
checks who may and writes the audit row. Roles are declared in accounts/roles.py and made by
`ensure_roles` on every deploy, so the Group admin edits nothing (an edit there would change
many people's powers at once, unaudited, and be undone by the next deploy).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from candor.privacy.admin_masking import MaskPersonalData

from . import powers
from .models import StaffPowerChange, User


class PowersForm(forms.Form):
    is_staff = forms.BooleanField(
        required=False,
        label="Staff status",
        help_text="May sign in to the back office (with two-factor authentication).",
    )
    is_superuser = forms.BooleanField(
        required=False,
        label="Superuser status",
        help_text="Every permission, present and future. Only a superuser changes this.",
    )
    groups = forms.ModelMultipleChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Roles",
    )
    user_permissions = forms.ModelMultipleChoiceField(
        queryset=Permission.objects.select_related("content_type").order_by(
            "content_type__app_label", "codename"
        ),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        label="Permissions of its own",
        help_text="Besides its roles'. Prefer a role.",
    )
    note = forms.CharField(
        max_length=300, required=False, label="Why", help_text="Kept with the change."
    )

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        if not acting_user.is_superuser:
            self.fields["is_superuser"].disabled = True


class UserPowersAdmin:
    """Mixed into the UserAdmin: the powers page and what the change form says about it."""

    def get_urls(self):
        return [
            path(
                "<path:object_id>/powers/",
                self.admin_site.admin_view(self.powers_view),  # type: ignore[attr-defined]
                name="accounts_user_powers",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    @admin.display(description="Staff powers")
    def powers_link(self, obj):
        url = reverse("admin:accounts_user_powers", args=[obj.pk])
        return format_html('<a href="{}">Change staff powers</a>', url)

    def powers_view(self, request, object_id):
        if not powers.may_manage_powers(request.user):
            raise PermissionDenied
        user = User.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if user is None:
            raise Http404("No such account.")
        current = powers.powers_of(user)
        initial = {
            "is_staff": current.is_staff,
            "is_superuser": current.is_superuser,
            "groups": list(user.groups.all()),
            "user_permissions": list(user.user_permissions.all()),
        }
        form = PowersForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            acting_user=request.user,
        )
        status, refused = 200, ""
        if request.method == "POST":
            status = 400
            if form.is_valid():
                data = form.cleaned_data
                try:
                    changed = powers.change_powers(
                        user=user,
                        acting_user=request.user,
                        is_staff=data["is_staff"],
                        is_superuser=data["is_superuser"] if request.user.is_superuser else None,
                        groups=data["groups"],
                        permissions=data["user_permissions"],
                        note=data["note"],
                    )
                except powers.PowersRefused as error:
                    status, refused = 403, str(error)
                else:
                    summary = "; ".join(str(change) for change in changed) or "nothing changed"
                    self.message_user(request, f"Staff powers saved: {summary}.", messages.SUCCESS)  # type: ignore[attr-defined]
                    return HttpResponseRedirect(
                        reverse("admin:accounts_user_change", args=[user.pk])
                    )
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": "Staff powers",
            "subtitle": f"Account #{user.pk}",
            "opts": User._meta,
            "account": user,
            "form": form,
            "refused": refused,
            "history": StaffPowerChange.objects.filter(user=user).select_related("acting_user")[
                :20
            ],
        }
        return TemplateResponse(request, "admin/accounts/user/powers.html", context, status=status)


class StaffPowerChangeInline(MaskPersonalData, admin.TabularInline):
    """On a user's page, for the owner: every change of the account's powers."""

    model = StaffPowerChange
    fk_name = "user"
    extra = 0
    fields = readonly_fields = ["created_at", "power", "change", "acting_user", "note"]
    can_delete = False
    verbose_name_plural = "staff powers history"

    @admin.display(description="Change")
    def change(self, obj):
        return obj.describe()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return powers.may_manage_powers(request.user)


@admin.register(StaffPowerChange)
class StaffPowerChangeAdmin(MaskPersonalData, admin.ModelAdmin):
    """The owner's audit trail of staff powers: read only, written only by accounts.powers."""

    list_display = ["created_at", "user", "power", "change", "acting_user", "note"]
    list_filter = ["power", "created_at"]
    list_select_related = ["user", "acting_user"]
    date_hierarchy = "created_at"
    fields = readonly_fields = [
        "created_at",
        "user",
        "power",
        "before",
        "after",
        "acting_user",
        "note",
    ]

    @admin.display(description="Change")
    def change(self, obj):
        return obj.describe()

    def has_module_permission(self, request):
        return powers.may_manage_powers(request.user)

    def has_view_permission(self, request, obj=None):
        return powers.may_manage_powers(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the retention job deletes them after two years (data map)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Roles, read only: they are declared in accounts/roles.py (see the module's note)."""

    fields = readonly_fields = ["name", "permissions"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

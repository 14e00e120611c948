"""Helpers for the P15 tests: staff members in a role, signed in with two factors."""

from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.conftest import enrol_totp, record_mfa_sign_in
from tests.factories import UserFactory


def staff_in(role: str | None = None, *, permissions: tuple[str, ...] = (), email: str = ""):
    """A staff member in the role's group (made by the migration) and/or with `permissions`
    ("app.codename")."""
    user = UserFactory(is_staff=True, **({"email": email} if email else {}))
    if role:
        user.groups.add(Group.objects.get(name=role))
    for code in permissions:
        app, codename = code.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app, codename=codename)
        )
    return user


def signed_in(user) -> Client:
    client = Client()
    enrol_totp(user)
    client.force_login(user)
    record_mfa_sign_in(client, user)
    return client


def change_form_data(page) -> dict:
    """What a browser would post back from an admin change page, as it was rendered: the
    form's current values and every inline's management form and rows."""
    form = page.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or field.disabled:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, (list, tuple)) or hasattr(value, "all"):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management.initial.get(name, 0)
        for row in formset.forms:
            if row.instance.pk is not None:
                data[f"{row.prefix}-id"] = row.instance.pk
    return data

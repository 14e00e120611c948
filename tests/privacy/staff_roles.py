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

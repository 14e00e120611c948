"""P15, issue 11 item 1: no role can give itself, or anyone, more power.

Only the owner (a superuser, or a staff member holding accounts.manage_staff, which the Owner
role has) grants or removes staff status, roles and permissions, or disables and re-enables a
staff account; only a superuser touches superuser status. Every change is a StaffPowerChange
row. The matrix below tries every way in, as every role and as a superuser, each signed in with
two factors over the whole request stack, and declares who may succeed.
"""

import contextlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from candor.accounts import powers, services
from candor.accounts.models import StaffPowerChange, User
from candor.accounts.roles import ROLES
from tests.factories import UserFactory
from tests.privacy.staff_roles import change_form_data, signed_in, staff_in

pytestmark = pytest.mark.django_db

ADMIN = "/backoffice/accounts/user/"
SUPERUSER = "Superuser"
ACTORS = [role.group for role in ROLES] + [SUPERUSER]
OWNERS = {"Owner", SUPERUSER}


def perm(code: str) -> Permission:
    app, codename = code.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def state(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.is_staff,
        user.is_superuser,
        user.is_active,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
        user.password,
    )


def powers_form(user, **changes) -> dict:
    """The powers page's form as posted: the account's current powers, with `changes`."""
    current = {
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": list(user.groups.values_list("pk", flat=True)),
        "user_permissions": list(user.user_permissions.values_list("pk", flat=True)),
    }
    current.update(changes)
    data = {key: value for key, value in current.items() if not isinstance(value, bool)}
    data.update({key: "on" for key, value in current.items() if value is True})
    return data


def post_change_form(client, user, **powers_data):
    """Post the user's change form with power fields set, as an attacker would: the page's
    own values where the role may open it, the fields added by hand either way."""
    page = client.get(f"{ADMIN}{user.pk}/change/")
    data = change_form_data(page) if page.status_code == 200 and page.context else {}
    data.setdefault("email", user.email)
    data.update(powers_data)
    return client.post(f"{ADMIN}{user.pk}/change/", data)


def everything():
    return list(Permission.objects.values_list("pk", flat=True))


def owner_group() -> int:
    return Group.objects.get(name="Owner").pk


# The accounts an attempt acts on, made before it.
def a_staff_member(actor):
    return staff_in("Catalogue")


def a_customer(actor):
    return UserFactory()


def a_superuser(actor):
    return UserFactory(is_staff=True, is_superuser=True)


def a_disabled_staff_member(actor):
    member = staff_in("Fulfilment")
    services.disable_account(user=member, acting_user=None)
    return member


def themselves(actor):
    return actor


# What the attacker posts.
def form_superuser_owner_everything(client, target):
    post_change_form(
        client,
        target,
        is_staff="on",
        is_superuser="on",
        groups=[owner_group()],
        user_permissions=everything(),
    )


def page(**changes):
    def post(client, target):
        resolved = {k: v() if callable(v) else v for k, v in changes.items()}
        client.post(f"{ADMIN}{target.pk}/powers/", powers_form(target, **resolved))

    return post


def action(name):
    def post(client, target):
        client.post(ADMIN, {"action": name, "_selected_action": [target.pk]})

    return post


def set_password(client, target):
    new = "a new pass phrase 42"
    client.post(f"{ADMIN}{target.pk}/password/", {"password1": new, "password2": new})


def delete_page(client, target):
    client.post(f"{ADMIN}{target.pk}/delete/", {"post": "yes"})


def bulk_delete(client, target):
    client.post(
        ADMIN, {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"}
    )


def service_call(actor):
    def call(client, target):
        with contextlib.suppress(powers.PowersRefused):
            powers.change_powers(
                user=target, acting_user=actor(), groups=[Group.objects.get(name="Owner")]
            )

    return call


def owner_role():
    return [owner_group()]


# (what is tried, who may succeed, on whom, how). `None` in "how" stands for the service call.
ATTEMPTS = [
    # The user form: powers are read only there, for everyone (the owner uses the powers page).
    ("change form: own account to superuser, Owner, all", set(), themselves, "form"),
    ("change form: a staff member to superuser, Owner, all", set(), a_staff_member, "form"),
    ("change form: a customer to superuser, Owner, all", set(), a_customer, "form"),
    # The powers page, and the service behind it called directly.
    ("powers page: make superuser", {SUPERUSER}, a_staff_member, page(is_superuser=True)),
    ("powers page: give the Owner role", OWNERS, a_staff_member, page(groups=owner_role)),
    (
        "powers page: give a permission",
        OWNERS,
        a_staff_member,
        page(user_permissions=lambda: [perm("privacy.view_logs").pk]),
    ),
    ("powers page: remove staff status", OWNERS, a_staff_member, page(is_staff=False)),
    (
        "powers page: make a customer staff with the Owner role",
        OWNERS,
        a_customer,
        page(is_staff=True, groups=owner_role),
    ),
    ("powers page: own account to superuser", set(), themselves, page(is_superuser=True)),
    ("powers page: unmake a superuser", {SUPERUSER}, a_superuser, page(is_superuser=False)),
    ("service: give the Owner role", OWNERS, a_staff_member, None),
    # Actions and the password form.
    ("action: disable a staff member", OWNERS, a_staff_member, action("disable_accounts")),
    ("action: disable a superuser", {SUPERUSER}, a_superuser, action("disable_accounts")),
    (
        "action: disable a customer",
        {"Customer service", *OWNERS},
        a_customer,
        action("disable_accounts"),
    ),
    (
        "action: re-enable a staff member",
        OWNERS,
        a_disabled_staff_member,
        action("reenable_accounts"),
    ),
    ("password: set a staff member's", OWNERS, a_staff_member, set_password),
    ("password: set a customer's", OWNERS, a_customer, set_password),
    # An account with powers is deleted by nobody before its powers are taken away.
    ("delete page: a staff member", set(), a_staff_member, delete_page),
    ("bulk delete: a staff member", set(), a_staff_member, bulk_delete),
]

# Changes that are not powers, so not on the powers trail.
NOT_POWERS = {
    "action: disable a customer",
    "password: set a staff member's",
    "password: set a customer's",
}


@pytest.fixture
def roles(db):
    call_command("ensure_roles", verbosity=0)


def actor_for(name: str):
    if name == SUPERUSER:
        actor = staff_in(None, email="root@candor.example")
        User.objects.filter(pk=actor.pk).update(is_superuser=True)
        return User.objects.get(pk=actor.pk)
    return staff_in(name, email=f"{name.lower().replace(' ', '-')}@candor.example")


def state_or_gone(user):
    return state(user) if User.objects.filter(pk=user.pk).exists() else "deleted"


@pytest.mark.parametrize("name", ACTORS)
def test_p15_only_the_owner_changes_staff_powers_every_role_every_way(name, roles):
    actor = actor_for(name)
    client = signed_in(actor)
    outcomes = {}
    for label, _allowed, prepare, how in ATTEMPTS:
        target = prepare(User.objects.get(pk=actor.pk))
        before, rows = state_or_gone(target), StaffPowerChange.objects.count()
        if how == "form":
            form_superuser_owner_everything(client, target)
        elif how is None:
            service_call(lambda: User.objects.get(pk=actor.pk))(client, target)
        else:
            how(client, User.objects.get(pk=target.pk))
        changed = state_or_gone(target) != before
        outcomes[label] = changed
        trail = StaffPowerChange.objects.filter(id__gt=0).order_by("id")[rows:]
        if changed and label not in NOT_POWERS:
            # Who, what, when: every change is on the trail, by the acting user.
            assert trail and {row.acting_user_id for row in trail} == {actor.pk}, (name, label)
            assert {row.user_id for row in trail} == {target.pk}, (name, label)
        else:
            assert not trail, (name, label)
    expected = {label: name in allowed for label, allowed, _, _ in ATTEMPTS}
    assert outcomes == expected


def test_p15_an_owner_gives_only_what_they_hold(roles):
    """A staff member with manage_staff but not every permission cannot hand out (to
    themselves or anyone) a role or permission they lack; what they hold they may give."""
    manager = staff_in(
        permissions=("accounts.manage_staff", "accounts.view_user", "accounts.change_user")
    )
    client = signed_in(manager)
    member = staff_in("Catalogue")

    to_owner = client.post(
        f"{ADMIN}{manager.pk}/powers/", powers_form(manager, groups=[owner_group()])
    )
    given = client.post(
        f"{ADMIN}{member.pk}/powers/",
        powers_form(member, user_permissions=[perm("accounts.view_user").pk]),
    )

    assert to_owner.status_code == 403
    assert "You may give only roles and permissions you hold yourself" in to_owner.content.decode()
    assert not manager.groups.exists()
    assert given.status_code == 302
    assert list(member.user_permissions.values_list("codename", flat=True)) == ["view_user"]
    row = StaffPowerChange.objects.get()
    assert (row.user, row.power, row.before, row.after, row.acting_user) == (
        member,
        "user_permissions",
        [],
        ["accounts.view_user"],
        manager,
    )


def test_p15_the_last_superuser_keeps_the_shop(roles):
    """Nobody, the last superuser included, leaves the shop without an active superuser."""
    root = actor_for(SUPERUSER)
    client = signed_in(root)

    page = client.post(f"{ADMIN}{root.pk}/powers/", powers_form(root, is_superuser=False))

    assert page.status_code == 403
    assert "This is the last active superuser" in page.content.decode()
    assert User.objects.get(pk=root.pk).is_superuser is True
    with pytest.raises(powers.PowersRefused):
        services.disable_account(user=root, acting_user=None)
    assert StaffPowerChange.objects.count() == 0


def test_p15_the_owner_reads_the_powers_trail_and_no_one_else_does(roles):
    owner = staff_in("Owner")
    member = staff_in("Catalogue")
    client = signed_in(owner)
    client.post(
        f"{ADMIN}{member.pk}/powers/",
        {**powers_form(member, groups=[owner_group()]), "note": "Runs the shop while I am away"},
    )

    form = client.get(f"{ADMIN}{member.pk}/powers/")
    assert form.status_code == 200 and "Save staff powers" in form.content.decode()
    assert form.context["form"].fields["is_superuser"].disabled  # the owner is no superuser
    assert "Change staff powers" in client.get(f"{ADMIN}{member.pk}/change/").content.decode()
    listing = client.get("/backoffice/accounts/staffpowerchange/").content.decode()
    user_page = client.get(f"{ADMIN}{member.pk}/change/").content.decode()

    for html in (listing, user_page):
        assert "+ Owner" in html and "Runs the shop while I am away" in html
    for role in ("Customer service", "Privacy officer", "Catalogue"):
        other = signed_in(staff_in(role))
        assert other.get("/backoffice/accounts/staffpowerchange/").status_code == 403, role
        if role == "Customer service":
            page = other.get(f"{ADMIN}{member.pk}/change/").content.decode()
            assert "Runs the shop while I am away" not in page
            assert "Change staff powers" not in page


def test_p15_roles_are_read_only_in_the_back_office_and_permissions_have_no_page(roles):
    """A role's permissions change in accounts/roles.py (ensure_roles on deploy), never in the
    Group admin: not for the owner, not for a superuser; there is no Permission admin."""
    owner_role = Group.objects.get(name="Owner")
    catalogue = Group.objects.get(name="Catalogue")
    held = set(catalogue.permissions.values_list("pk", flat=True))
    for actor in (actor_for("Owner"), actor_for(SUPERUSER), actor_for("Catalogue")):
        client = signed_in(actor)
        for group in (owner_role, catalogue):
            url = f"/backoffice/auth/group/{group.pk}/change/"
            refused = client.post(url, {"name": group.name, "permissions": everything()})
            assert refused.status_code == 403, (actor, url)
        added = client.post(
            "/backoffice/auth/group/add/", {"name": "Everything", "permissions": everything()}
        )
        assert added.status_code == 403
        assert client.get("/backoffice/auth/permission/").status_code == 404
    assert set(catalogue.permissions.values_list("pk", flat=True)) == held
    assert not Group.objects.filter(name="Everything").exists()


def test_p15_the_add_user_form_gives_no_powers(roles):
    """The add form takes an email and a password only; powers posted with it are ignored."""
    client = signed_in(actor_for("Owner"))

    client.post(
        f"{ADMIN}add/",
        {
            "email": "new@candor.example",
            "password1": "a long pass phrase 7",
            "password2": "a long pass phrase 7",
            "usable_password": "true",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [owner_group()],
            "user_permissions": everything(),
        },
    )

    created = User.objects.get(email="new@candor.example")
    assert state(created)[:5] == (False, False, True, [], [])
    for name in ("Customer service", "Catalogue"):  # no add permission at all
        assert signed_in(staff_in(name)).get(f"{ADMIN}add/").status_code == 403


def test_p15_p20_a_staff_members_own_requests_still_disable_their_account(roles):
    """The holder may always disable their own account (privacy centre, verified rights
    request); it is on the powers trail, by them."""
    member = staff_in("Catalogue")

    services.disable_account(user=member, acting_user=member)

    row = StaffPowerChange.objects.get()
    assert (row.user, row.power, row.before, row.after, row.acting_user) == (
        member,
        "is_active",
        True,
        False,
        member,
    )
    with pytest.raises(powers.PowersRefused):
        services.enable_account(user=member, acting_user=staff_in("Customer service"))
    assert User.objects.get(pk=member.pk).is_active is False


def test_p15_the_first_owner_is_on_the_trail_too(roles):
    from candor.demo.services import ensure_owner

    ensure_owner()

    rows = StaffPowerChange.objects.order_by("id")
    assert [(r.user.email, r.power, r.before, r.after, r.acting_user) for r in rows] == [
        ("owner@candor.example", "is_staff", False, True, None),
        ("owner@candor.example", "is_superuser", False, True, None),
    ]


def test_p15_p20_the_powers_trail_is_exported_and_kept_without_its_note_on_erasure(roles):
    from candor.privacy.erasure import erase_subject
    from candor.privacy.export import export_subject
    from candor.privacy.subjects import Subject

    owner = actor_for("Owner")
    member = staff_in("Catalogue", email="leaving@candor.example")
    powers.change_powers(
        user=member, acting_user=owner, is_staff=False, groups=[], note="Left on 1 May, Sana"
    )
    subject = Subject(user_id=member.pk, emails=frozenset({member.email}))

    exported = export_subject(subject)["accounts"]["accounts.StaffPowerChange"]
    erase_subject(subject)

    assert sorted((row["power"], row["note"]) for row in exported) == [
        ("groups", "Left on 1 May, Sana"),
        ("is_staff", "Left on 1 May, Sana"),
    ]
    assert all("acting_user" not in row for row in exported)  # another person's data
    kept = StaffPowerChange.objects.filter(user=member)
    assert kept.count() == 2 and set(kept.values_list("note", flat=True)) == {""}

"""Staff powers (P15): the one way to change what a staff account may do.

A staff account's powers are its staff status (it may open the back office), superuser status
(every permission, present and future), its roles (groups, accounts/roles.py), the permissions
given to it directly, and, for an account that holds any of those, whether it is enabled.
`change_powers` changes the first four; `accounts.services.disable_account` and
`enable_account` call `check_may_change` and `record` for the last. Each change is a
`StaffPowerChange` row (who, what before and after, when, why) in the change's transaction.

Who may:
- only the owner: a superuser, or a staff member holding `accounts.manage_staff` (the Owner
  role holds every permission, this one included);
- only a superuser makes, unmakes or changes a superuser (superuser status is more than every
  permission there is today);
- nobody gives what they do not hold themselves: a role or permission a non-superuser grants
  must be among their own permissions;
- the last active superuser keeps superuser and staff status and stays enabled.
The admin hides what a refusal would refuse, but these checks are here, in the service, so a
crafted request, a command or a future view meets them all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Power, StaffPowerChange, User

MANAGE_STAFF = "accounts.manage_staff"

log = logging.getLogger("candor.security")


class PowersRefused(Exception):
    """A change of staff powers the acting user may not make; nothing was changed."""


@dataclass(frozen=True)
class Powers:
    is_staff: bool
    is_superuser: bool
    groups: frozenset[str]  # group names
    permissions: frozenset[str]  # "app_label.codename"


def _code(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def powers_of(user: User) -> Powers:
    return Powers(
        is_staff=user.is_staff,
        is_superuser=user.is_superuser,
        groups=frozenset(user.groups.values_list("name", flat=True)),
        permissions=frozenset(
            _code(p) for p in user.user_permissions.select_related("content_type")
        ),
    )


def holds_powers(user: User) -> bool:
    """Whether the account may do more than a customer: staff, superuser, a role or a
    permission of its own."""
    return bool(
        user.is_staff or user.is_superuser or user.groups.exists() or user.user_permissions.exists()
    )


def may_manage_powers(acting_user) -> bool:
    """The owner: an active staff member who is a superuser or holds manage_staff."""
    return bool(
        acting_user is not None
        and acting_user.is_authenticated
        and acting_user.is_active
        and acting_user.is_staff
        and (acting_user.is_superuser or acting_user.has_perm(MANAGE_STAFF))
    )


def may_edit_account(acting_user, user: User) -> bool:
    """Whether `acting_user` may change anything of `user`'s account (its details, password):
    anyone the admin lets, for a customer; only the owner for an account with powers, and
    only a superuser for a superuser's."""
    if not holds_powers(user):
        return True
    return may_manage_powers(acting_user) and (not user.is_superuser or acting_user.is_superuser)


def check_may_change(acting_user, user: User, *, superuser_involved: bool = False) -> None:
    """Raise PowersRefused unless `acting_user` may change `user`'s powers."""
    if not may_manage_powers(acting_user):
        raise PowersRefused("Only the owner may change what a staff account may do.")
    if (superuser_involved or user.is_superuser) and not acting_user.is_superuser:
        raise PowersRefused("Only a superuser may make, unmake or change a superuser.")


def _other_active_superuser(user: User) -> bool:
    return User.objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk).exists()


def check_keeps_a_superuser(user: User, *, is_superuser: bool, is_staff: bool, active: bool):
    stops_being_one = user.is_superuser and not (is_superuser and is_staff and active)
    if stops_being_one and not _other_active_superuser(user):
        raise PowersRefused(
            "This is the last active superuser: make another one first, so the shop keeps an owner."
        )


def record(*, user: User, power: str, before, after, acting_user, note: str = "") -> None:
    """One row of the powers audit trail, in the caller's transaction."""
    StaffPowerChange.objects.create(
        user=user,
        power=power,
        before=before,
        after=after,
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
        note=note[:300],
    )


def record_first_owner(*, user: User) -> None:
    """The shop's first superuser, made by `manage.py ensure_owner` when there is none: nobody
    could have granted it, so the system is on the trail as the one who did."""
    for power in (Power.STAFF, Power.SUPERUSER):
        record(
            user=user,
            power=power,
            before=False,
            after=True,
            acting_user=None,
            note="The shop's first owner (ensure_owner)",
        )


def _refuse(acting_user, user: User, error: PowersRefused) -> None:
    log.warning(
        "refused change of staff powers: acting user %s, account %s: %s",
        getattr(acting_user, "pk", None),
        user.pk,
        error,
    )
    raise error


def change_powers(
    *,
    user: User,
    acting_user,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
    note: str = "",
) -> list[StaffPowerChange]:
    """Set the account's staff status, superuser status, roles and direct permissions (None:
    leave as it is). Returns the audit rows written, one per power that changed; a call that
    changes nothing writes none. Raises PowersRefused, changing nothing, when the acting user
    may not (see the module's rules)."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = powers_of(locked)
        new_groups = list(groups) if groups is not None else None
        new_permissions = (
            list(
                Permission.objects.filter(pk__in=[p.pk for p in permissions]).select_related(
                    "content_type"
                )
            )
            if permissions is not None
            else None
        )
        after = Powers(
            is_staff=before.is_staff if is_staff is None else bool(is_staff),
            is_superuser=before.is_superuser if is_superuser is None else bool(is_superuser),
            groups=before.groups if new_groups is None else frozenset(g.name for g in new_groups),
            permissions=before.permissions
            if new_permissions is None
            else frozenset(_code(p) for p in new_permissions),
        )
        try:
            check_may_change(
                acting_user, locked, superuser_involved=after.is_superuser != before.is_superuser
            )
            if after == before:
                return []
            _check_gives_only_what_it_holds(acting_user, before, after, new_groups)
            check_keeps_a_superuser(
                locked, is_superuser=after.is_superuser, is_staff=after.is_staff, active=True
            )
        except PowersRefused as error:
            _refuse(acting_user, locked, error)
        changed = []
        for power, old, new in (
            (Power.STAFF, before.is_staff, after.is_staff),
            (Power.SUPERUSER, before.is_superuser, after.is_superuser),
            (Power.GROUPS, sorted(before.groups), sorted(after.groups)),
            (Power.PERMISSIONS, sorted(before.permissions), sorted(after.permissions)),
        ):
            if old != new:
                changed.append(
                    StaffPowerChange.objects.create(
                        user=locked,
                        power=power,
                        before=old,
                        after=new,
                        acting_user=acting_user,
                        note=note[:300],
                    )
                )
        locked.is_staff, locked.is_superuser = after.is_staff, after.is_superuser
        locked.save(update_fields=["is_staff", "is_superuser"])
        if new_groups is not None:
            locked.groups.set(new_groups)
        if new_permissions is not None:
            locked.user_permissions.set(new_permissions)
    user.is_staff, user.is_superuser = locked.is_staff, locked.is_superuser
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)
    return changed


def _check_gives_only_what_it_holds(acting_user, before: Powers, after: Powers, new_groups):
    if acting_user.is_superuser:
        return
    held = acting_user.get_all_permissions()
    given = set(after.permissions - before.permissions)
    added = after.groups - before.groups
    for group in new_groups or ():
        if group.name in added:
            given |= {_code(p) for p in group.permissions.select_related("content_type")}
    if given - held:
        raise PowersRefused(
            "You may give only roles and permissions you hold yourself: "
            + ", ".join(sorted(given - held)[:5])
        )

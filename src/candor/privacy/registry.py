"""Who holds a subject's data: each app registers one Holder from its datamap.py (P20).

The privacy app imports no shop app; the apps register here what they hold, and the export
and erasure engines (export.py, erasure.py) run every holder in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .subjects import Subject

Counts = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Holder:
    """One app's handling of a subject's data."""

    app_label: str
    # {"Model label": [rows as JSON-able dicts]}
    export: Callable[[Subject], dict[str, list[dict[str, Any]]]]
    # {"Model label": {"deleted": n, "pseudonymized": n, "kept": n}}
    erase: Callable[[Subject], Counts]
    # Same shape as erase; nothing changed.
    preview: Callable[[Subject], Counts]
    # Optional: apply corrected details ({"name": ..., "email": ..., "phone": ...}); rows changed.
    correct: Callable[[Subject, dict[str, str]], int] | None = None


# app_label -> holder; filled as the apps' datamap modules are imported.
_holders: dict[str, Holder] = {}


def register_holder(holder: Holder) -> None:
    """Register (or replace, on re-import) an app's holder."""
    _holders[holder.app_label] = holder


# Runs last: until then every other holder can still tell a live account from an erased one.
LAST = "accounts"


def holders() -> list[Holder]:
    """Every registered holder in a stable order: by app label, the account's holder last."""
    return [_holders[label] for label in sorted(_holders, key=lambda x: (x == LAST, x))]


# --- helpers the apps' holders share -------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, decimals, UUIDs, countries and phone
    numbers as text; lists and dicts (JSON columns) as they are."""
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def export_rows(queryset: Any, *, hide: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The rows of a queryset as dicts of their columns (a foreign key as its id), in one
    query; `hide` leaves out fields that must not leave the shop (a password hash)."""
    names = [field.name for field in queryset.model._meta.concrete_fields if field.name not in hide]
    return [
        {name: jsonable(value) for name, value in row.items()}
        for row in queryset.order_by("pk").values(*names)
    ]


def email_q(field: str, emails: frozenset[str]) -> Any:
    """Rows whose `field` is one of the addresses, compared case-insensitively (iexact is what
    the Upper(email) indexes serve); matches nothing when there are none."""
    from django.db.models import Q

    query = Q(pk__in=[])
    for email in sorted(emails):
        query |= Q(**{f"{field}__iexact": email})
    return query


def counts(deleted: int = 0, pseudonymized: int = 0, kept: int = 0) -> dict[str, int]:
    return {"deleted": deleted, "pseudonymized": pseudonymized, "kept": kept}

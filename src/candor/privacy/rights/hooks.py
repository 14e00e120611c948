"""What a rights request needs from the apps above privacy, which it may not import.

The privacy app imports no shop app (and not messaging): the accounts app registers, when it
is ready, the mailer (messaging's transactional outbox) and the actions that carry out the
requests whose effect lives in other apps (stop marketing mail, restrict processing, disable
an account). `candor.accounts.rights` is where they are wired.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from ..subjects import Subject

if TYPE_CHECKING:
    from .models import RightsRequest


class Mailer(Protocol):
    def __call__(
        self,
        *,
        template: str,
        to_email: str,
        context: dict[str, Any],
        idempotency_key: str,
        sensitive: bool = False,
    ) -> Any: ...


# (subject, request, acting user) -> a short note for the audit trail; raises
# services.RightsError with the reason when it cannot be done.
Action = Callable[[Subject, "RightsRequest", Any], str]

_mailer: Mailer | None = None
_actions: dict[str, Action] = {}


def register_mailer(mailer: Mailer) -> None:
    global _mailer
    _mailer = mailer


def register_action(kind: str, action: Action) -> None:
    _actions[kind] = action


def mailer() -> Mailer:
    if _mailer is None:
        raise ImproperlyConfigured("No mailer is registered for rights requests.")
    return _mailer


def action_for(kind: str) -> Action | None:
    return _actions.get(kind)

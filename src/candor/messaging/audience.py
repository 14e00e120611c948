"""Who may receive marketing at all, whatever they subscribed to.

Apps that know why a person must get no marketing (a disabled account, restricted
processing) register a provider here at start-up; messaging asks every provider before any
marketing mail is written, and campaigns exclude the same addresses in one query. Messaging
never imports those apps.
"""

from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet

# A provider returns a queryset of the lower-cased addresses that must receive no marketing,
# as one column named "address": `.values(address=Lower("email"))`.
ExclusionProvider = Callable[[], QuerySet]

_providers: list[ExclusionProvider] = []


def register_marketing_exclusion(provider: ExclusionProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def excluded_from_marketing(email_field: str = "email") -> Q:
    """A filter matching rows whose address must receive no marketing."""
    condition = Q(pk__in=[])
    for provider in _providers:
        condition |= Q(**{f"{email_field}__in": provider()})
    return condition


def may_receive_marketing(email: str) -> bool:
    normalized = email.strip().lower()
    return not any(provider().filter(address=normalized).exists() for provider in _providers)


def providers() -> Iterable[ExclusionProvider]:
    return tuple(_providers)

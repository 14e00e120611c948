"""The built-in rules screener (P25): velocity, country mismatch and unusually large orders.

Its limits are the ORDER_SCREENING_RULES setting, read on every order so a changed setting
applies at once. Each rule that fires gives a reason staff can read; the worst outcome of
the rules that fired is the verdict.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_countries import countries

from ..models import Order, ScreeningOutcome, ScreeningResult
from .base import ScreeningFacts, Verdict, register, worst

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
KEY_LABELS = {"email": "email address", "phone": "phone number", "ip": "IP address"}
OUTCOME_WORDS = {ScreeningOutcome.REVIEW: "review", ScreeningOutcome.REJECT: "decline"}


def recent_orders(key: str, value: str, since) -> QuerySet:
    """Orders placed with this email address, phone number or IP address since `since`;
    each lookup has its index (Order: upper(email), created_at and phone, created_at;
    ScreeningResult: ip, created_at)."""
    if key == "email":
        return Order.objects.filter(email__iexact=value, created_at__gte=since)
    if key == "phone":
        return Order.objects.filter(phone=value, created_at__gte=since)
    if key == "ip":
        return ScreeningResult.objects.filter(ip=value, created_at__gte=since)
    raise ValueError(f"No velocity rule for {key!r}.")


def one_at_a_time(key: str, value: str) -> None:
    """Orders with the same email, phone or address are screened one after the other: each
    waits until the one before is saved (or given up), so parallel checkouts cannot all count
    the same few earlier orders and slip under a limit together. A PostgreSQL advisory lock,
    held to the end of the order's transaction; SQLite writes one transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"order-screening:{key}:{value.lower()}"],
            )


def counts(key: str, value: str, now) -> dict[str, int]:
    """Earlier orders with this value in each window, counted in one query."""
    since = now - max(WINDOWS.values())
    return recent_orders(key, value, since).aggregate(
        **{
            window: Count("pk", filter=Q(created_at__gte=now - length))
            for window, length in WINDOWS.items()
        }
    )


@register("rules")
class RulesScreener:
    """Velocity per email, phone and IP address; billing vs delivery country; large orders."""

    external = False

    @property
    def rules(self) -> dict:
        return settings.ORDER_SCREENING_RULES

    @property
    def reads(self) -> frozenset[str]:
        velocity = set(self.rules.get("velocity", {}))
        return frozenset(
            {"email", "phone", "ip"} & velocity
            | {"shipping_country", "billing_country", "total", "currency", "lines"}
        )

    def screen(self, facts: ScreeningFacts) -> Verdict:
        findings = [
            *self._velocity(facts),
            *self._country_mismatch(facts),
            *self._large_order(facts),
        ]
        return Verdict(
            outcome=worst(outcome for outcome, _ in findings),
            reasons=tuple(reason for _, reason in findings),
        )

    def _velocity(self, facts: ScreeningFacts):
        now = timezone.now()
        for key, windows in self.rules.get("velocity", {}).items():
            value = getattr(facts, key)
            if not value or not windows:
                continue  # a phone order has no IP address, some have no email
            one_at_a_time(key, value)
            found = counts(key, value, now)
            for window, (review_from, reject_from) in windows.items():
                placed = found[window] + 1  # this order is not saved yet
                for outcome, limit in (
                    (ScreeningOutcome.REJECT, reject_from),
                    (ScreeningOutcome.REVIEW, review_from),
                ):
                    if limit is not None and placed >= limit:
                        yield (
                            outcome,
                            f"{placed} orders from this {KEY_LABELS[key]} in the last "
                            f"{window}, this one included ({OUTCOME_WORDS[outcome]} from "
                            f"{limit}).",
                        )
                        break

    def _country_mismatch(self, facts: ScreeningFacts):
        outcome = self.rules.get("country_mismatch")
        if outcome and facts.billing_country and facts.billing_country != facts.shipping_country:
            yield (
                outcome,
                f"Billing country ({countries.name(facts.billing_country)}) is not the "
                f"delivery country ({countries.name(facts.shipping_country)}).",
            )

    def _large_order(self, facts: ScreeningFacts):
        most = self.rules.get("review_total_above")
        if most is not None and facts.total > most:
            yield (
                ScreeningOutcome.REVIEW,
                f"Order total {facts.total} {facts.currency} is above {most} {facts.currency}.",
            )
        most_of_one = self.rules.get("review_quantity_above")
        if most_of_one is not None:
            for line in facts.lines:
                if line.quantity > most_of_one:
                    yield (
                        ScreeningOutcome.REVIEW,
                        f"{line.quantity} of {line.sku} in one order (more than {most_of_one}).",
                    )

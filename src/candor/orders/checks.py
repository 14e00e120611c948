"""System checks for order screening (P25).

orders.E001  ORDER_SCREENER names no registered screener
orders.E002  the configured screener reads a fact with no place in the data map, or is external
             and the data map does not name the recipient fraud_screener on a field it sends
orders.E003  ORDER_SCREENING_RULES is not what the rules screener understands
"""

from decimal import Decimal

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from candor.privacy.datamap import Personal, declaration_for

from . import screening
from .screening.rules import KEY_LABELS, WINDOWS


@register()
def check_screener(app_configs=None, **kwargs):
    try:
        screener = screening.configured_screener()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="orders.E001")]
    errors = []
    unknown = sorted(set(screener.reads) - set(screening.FACT_FIELDS))
    if unknown:
        errors.append(
            Error(
                f"Screener {screener.name!r} reads {', '.join(unknown)}, which are not "
                "screening facts.",
                hint="Read only fields of ScreeningFacts (orders.screening.FACT_FIELDS).",
                id="orders.E002",
            )
        )
    for field in sorted(screening.sent_fields(screener)):
        label, name = field.rsplit(".", 1)
        declaration = declaration_for(label)
        spec = declaration.fields.get(name) if declaration else None
        if not isinstance(spec, Personal) or "fraud_screener" not in spec.recipients:
            errors.append(
                Error(
                    f"Screener {screener.name!r} sends {field} to an outside service, but the "
                    "data map does not name fraud_screener as its recipient.",
                    hint="orders/datamap.py declares it from the screener's `reads`; a "
                    "screener registered after the data map was loaded is not covered.",
                    id="orders.E002",
                )
            )
    return errors


def _limit_ok(value) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)


@register()
def check_screening_rules(app_configs=None, **kwargs):
    rules = getattr(settings, "ORDER_SCREENING_RULES", None)
    problems = []
    if not isinstance(rules, dict):
        problems.append("it must be a dict")
        rules = {}
    velocity = rules.get("velocity", {})
    if not isinstance(velocity, dict):
        problems.append("'velocity' must be a dict")
        velocity = {}
    for key, windows in velocity.items():
        if key not in KEY_LABELS:
            problems.append(f"velocity key {key!r} is not one of {', '.join(KEY_LABELS)}")
            continue
        if not isinstance(windows, dict):
            problems.append(f"velocity[{key!r}] must be a dict of windows")
            continue
        for window, limits in windows.items():
            if window not in WINDOWS:
                problems.append(f"velocity[{key!r}] window {window!r} is not one of hour, day")
            elif not (
                isinstance(limits, list | tuple)
                and len(limits) == 2
                and all(_limit_ok(limit) for limit in limits)
            ):
                problems.append(
                    f"velocity[{key!r}][{window!r}] must be (review from, decline from), each "
                    "a positive whole number or None"
                )
    if rules.get("country_mismatch") not in (None, "review", "reject"):
        problems.append("'country_mismatch' must be 'review', 'reject' or None")
    for name in ("review_total_above", "review_quantity_above"):
        value = rules.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0
        ):
            problems.append(f"{name!r} must be a whole number or Decimal, not negative, or None")
    return [Error(f"ORDER_SCREENING_RULES: {problem}.", id="orders.E003") for problem in problems]

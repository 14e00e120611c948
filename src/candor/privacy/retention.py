"""Retention, read from the data map (P12, X1): what the policy says about time, the code does.

`apply_retention()` goes through `datamap.declarations()`. For every model declared with an
`age_field` (the field that dates a row) and every personal field with retention steps, rows
older than a step's days get that step:

- "delete": the row is deleted. A delete step on any field deletes the whole row: a row
  cannot keep its other fields once one of them has to go.
- "truncate": the value is shortened so it no longer identifies anyone, by the rule for its
  data category in TRUNCATIONS (an IP address becomes its /24 or /48 network, a user-agent
  string becomes "" while the parsed browser and OS families stay). A category without a rule
  is not touched and is reported as skipped.
- "pseudonymize": not done here. What is kept after pseudonymizing depends on the app (an
  order's tax record), so each app's eraser does it. Reported as skipped.

A model whose declaration has no age_field is left to its app's own eraser.

Deletes run first, then truncations. A boolean field named `<field>_truncated` on the model
(RequestLog.ip_truncated) is set when a value is shortened, and rows where it is already set
are not read again; without one, a value already shortened is recognised and left alone. So a
second run changes nothing. Each model is done in one transaction.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from . import datamap
from .datamap import Personal

logger = logging.getLogger("candor.privacy.retention")

IPV4_PREFIX = 24
IPV6_PREFIX = 48
CHUNK = 1000


def truncate_ip(value: str | None) -> str | None:
    """The network an address belongs to: /24 for IPv4, /48 for IPv6 (an IPv4-mapped IPv6
    address as IPv4). A value that is not an address is dropped."""
    if not value:
        return value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        network = ipaddress.ip_network(f"{address.ipv4_mapped}/{IPV4_PREFIX}", strict=False)
        return f"::ffff:{network.network_address}"
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


@dataclass(frozen=True)
class Truncation:
    """How a value of one data category is shortened."""

    shorten: Callable[[Any], Any]
    # shorten() ignores its input (it blanks): one UPDATE does every row.
    constant: bool = False


TRUNCATIONS: dict[str, Truncation] = {
    "online.ip": Truncation(truncate_ip),
    "online.user_agent": Truncation(lambda value: "", constant=True),
}


@dataclass
class RetentionReport:
    """Counts per model: rows deleted, and values shortened per field; steps not applied."""

    deleted: dict[str, int] = field(default_factory=dict)
    truncated: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"deleted": self.deleted, "truncated": self.truncated, "skipped": self.skipped}


def _flag_field(model: type[models.Model], name: str) -> str | None:
    flag = f"{name}_truncated"
    try:
        found = model._meta.get_field(flag)
    except FieldDoesNotExist:
        return None
    return flag if isinstance(found, models.BooleanField) else None


def _truncate(
    model: type[models.Model], name: str, rule: Truncation, age_field: str, cutoff: datetime
) -> int:
    rows = model._base_manager.filter(**{f"{age_field}__lt": cutoff}).exclude(
        **{f"{name}__isnull": True}
    )
    flag = _flag_field(model, name)
    if flag:
        rows = rows.filter(**{flag: False})
    if rule.constant:
        value = rule.shorten(None)
        if not flag:
            rows = rows.exclude(**{name: value})
        return rows.update(**{name: value, **({flag: True} if flag else {})})
    changed, after = 0, None
    fields = [name, flag] if flag else [name]
    while True:
        chunk = rows.order_by("pk")
        if after is not None:
            chunk = chunk.filter(pk__gt=after)
        values = list(chunk.values_list("pk", name)[:CHUNK])
        if not values:
            return changed
        after = values[-1][0]
        updated = []
        for pk, value in values:
            shortened = rule.shorten(value)
            if shortened == value and not flag:
                continue  # already shortened by an earlier run
            row = model(pk=pk)
            setattr(row, name, shortened)
            if flag:
                setattr(row, flag, True)
            updated.append(row)
        if updated:
            model._base_manager.bulk_update(updated, fields)
            changed += len(updated)


def apply_retention(*, now: datetime | None = None) -> RetentionReport:
    """Apply every declared retention step that is due; idempotent."""
    now = now or timezone.now()
    report = RetentionReport()
    for label, declaration in sorted(datamap.declarations().items()):
        steps = [
            (name, spec, step)
            for name, spec in sorted(declaration.fields.items())
            if isinstance(spec, Personal)
            for step in spec.retention
        ]
        if not steps:
            continue
        age_field = declaration.age_field
        if not age_field:
            continue  # the app's eraser handles this model
        model = apps.get_model(label)
        deletes = [step.days for _, _, step in steps if step.then == "delete"]
        truncations = []
        # (action, days, why) -> fields: a model with thirty pseudonymized fields is one line
        not_applied: dict[tuple[str, int, str], list[str]] = {}
        for name, spec, step in steps:
            if step.then == "truncate":
                rule = TRUNCATIONS.get(spec.category)
                if rule is None:
                    key = ("truncate", step.days, f"no rule for category {spec.category}")
                    not_applied.setdefault(key, []).append(name)
                else:
                    truncations.append((name, rule, step.days))
            elif step.then == "pseudonymize":
                key = ("pseudonymize", step.days, "done by the app's eraser, not by this job")
                not_applied.setdefault(key, []).append(name)
        for (action, days, why), names in not_applied.items():
            report.skipped.append(
                f"{label} ({', '.join(names)}): {action} after {days} days: {why}"
            )
        with transaction.atomic():
            deleted = 0
            if deletes:
                cutoff = now - timedelta(days=min(deletes))
                _, per_model = model._base_manager.filter(**{f"{age_field}__lt": cutoff}).delete()
                deleted = per_model.get(label, 0)
            report.deleted[label] = deleted
            counts: dict[str, int] = {}
            for name, rule, days in truncations:
                cutoff = now - timedelta(days=days)
                counts[name] = counts.get(name, 0) + _truncate(model, name, rule, age_field, cutoff)
            report.truncated[label] = counts
    for line in report.skipped:
        logger.info("Retention step not applied: %s", line)
    return report

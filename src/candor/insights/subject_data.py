"""Insights holds nothing about anyone (P11, P18): page views are counted per page per day,
with no cookie, IP address or account. Its holder is registered so that every export and
erasure says so."""

from __future__ import annotations

from typing import Any

from candor.privacy.registry import Counts, Holder
from candor.privacy.subjects import Subject


def nothing(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {}


def no_counts(subject: Subject) -> Counts:
    return {}


HOLDER = Holder("insights", export=nothing, erase=no_counts, preview=no_counts)

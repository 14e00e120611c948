"""Erasure of one subject's data across every registered holder (P20, issue 6 items 5, 6, 6b).

Each app's holder deletes what may go and pseudonymizes what the law makes us keep. Every
holder runs in its own transaction, so a failure part-way leaves the apps already done
committed; the caller records them (`on_step`) and passes them back as `done` to resume.
Holders are idempotent, so re-running a finished erasure changes nothing and reports zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from . import datamap
from .datamap import Personal
from .registry import Counts, holders
from .subjects import Subject
from .vocabulary import END_ACTIONS

OnStep = Callable[[str, Counts], None]


def erase_subject(
    subject: Subject, *, done: set[str] | None = None, on_step: OnStep | None = None
) -> dict[str, Counts]:
    """Run every holder's eraser, one transaction per app, skipping the app labels in `done`;
    `on_step(app_label, result)` is called after each app's transaction commits."""
    done = done or set()
    results: dict[str, Counts] = {}
    for holder in holders():
        if holder.app_label in done:
            continue
        with transaction.atomic():
            result = holder.erase(subject)
        results[holder.app_label] = result
        if on_step is not None:
            on_step(holder.app_label, result)
    return results


def erasure_reason(label: str) -> str:
    """Why a model's rows are deleted or kept, from its data-map declaration: the distinct
    notes of its personal fields, or its retention steps when no note is given."""
    declaration = datamap.declaration_for(label)
    if declaration is None:
        return ""
    notes: list[str] = []
    for spec in declaration.fields.values():
        if not isinstance(spec, Personal):
            continue
        text = spec.note or "; ".join(
            f"{END_ACTIONS.get(step.then, step.then)} after {step.days} days"
            for step in spec.retention
        )
        if text and text not in notes:
            notes.append(text)
    return " ".join(notes)


def preview_erasure(subject: Subject) -> dict[str, dict[str, dict[str, Any]]]:
    """What erasure would do, changing nothing: {app_label: {model label: {"deleted": n,
    "pseudonymized": n, "kept": n, "reason": the data map's retention note}}}. Models with
    nothing of the subject's are left out."""
    preview: dict[str, dict[str, dict[str, Any]]] = {}
    for holder in holders():
        counts = holder.preview(subject)
        rows: dict[str, dict[str, Any]] = {}
        for label, numbers in sorted(counts.items()):
            if not any(numbers.values()):
                continue
            rows[label] = {**numbers, "reason": erasure_reason(label)}
        if rows:
            preview[holder.app_label] = rows
    return preview

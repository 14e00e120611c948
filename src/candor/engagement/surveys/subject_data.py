"""What surveys hold about a subject (P20): the responses they chose to give under their name,
and the record that they took part. Anonymous responses are tied to nobody and cannot be found
(that is their point). Erasure deletes both."""

from __future__ import annotations

from typing import Any

from candor.privacy.registry import Counts, Holder, counts, export_rows
from candor.privacy.subjects import Subject

from .models import Answer, Participation, Response

RESPONSE = Response._meta.label
ANSWER = Answer._meta.label
PARTICIPATION = Participation._meta.label


def _responses(subject: Subject):
    if subject.user_id is None:
        return Response.objects.none()
    return Response.objects.filter(user_id=subject.user_id)


def _participations(subject: Subject):
    if subject.user_id is None:
        return Participation.objects.none()
    return Participation.objects.filter(user_id=subject.user_id)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    responses = _responses(subject)
    answers = Answer.objects.filter(response__in=responses)
    rows = export_rows(answers)
    chosen: dict[int, list[int]] = {}
    for answer_id, choice_id in Answer.choices.through.objects.filter(
        answer__in=answers
    ).values_list("answer_id", "choice_id"):
        chosen.setdefault(answer_id, []).append(choice_id)
    for row in rows:
        row["choices"] = sorted(chosen.get(row["id"], []))
    return {
        RESPONSE: export_rows(responses, hide=("token",)),
        ANSWER: rows,
        PARTICIPATION: export_rows(_participations(subject)),
    }


def preview(subject: Subject) -> Counts:
    responses = _responses(subject)
    return {
        RESPONSE: counts(deleted=responses.count()),
        ANSWER: counts(deleted=Answer.objects.filter(response__in=responses).count()),
        PARTICIPATION: counts(deleted=_participations(subject).count()),
    }


def erase(subject: Subject) -> Counts:
    _, responses = _responses(subject).delete()
    _, participations = _participations(subject).delete()
    return {
        RESPONSE: counts(deleted=responses.get(RESPONSE, 0)),
        ANSWER: counts(deleted=responses.get(ANSWER, 0)),
        PARTICIPATION: counts(deleted=participations.get(PARTICIPATION, 0)),
    }


HOLDER = Holder("surveys", export=export, erase=erase, preview=preview)

"""Reads for the survey pages and the aggregate results (P6).

Results are computed by the database (COUNT, AVG, GROUP BY), a fixed handful of queries
whatever the number of responses; nothing iterates over responses in Python. A respondent's
name and email leave the database only for written answers whose author agreed to be
contacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Case, CharField, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import Concat, RowNumber, Trim
from django.utils import timezone

from .models import (
    RATING_MAX,
    RATING_MIN,
    Answer,
    Choice,
    Participation,
    Question,
    Response,
    Survey,
)

# Written answers listed per question on the results page; the rest are counted.
TEXTS_SHOWN = 200


def open_surveys(now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    return Survey.objects.filter(
        status=Survey.Status.PUBLISHED, opens_at__lte=now, closes_at__gt=now
    ).order_by("closes_at", "pk")


def published_survey(slug: str) -> Survey | None:
    """A published survey with its questions and their choices (three queries)."""
    return (
        Survey.objects.filter(slug=slug, status=Survey.Status.PUBLISHED)
        .prefetch_related("questions__choices")
        .first()
    )


def has_answered(survey: Survey, user) -> bool:
    return Participation.objects.filter(survey=survey, user=user).exists()


def named_response(survey: Survey, user) -> Response | None:
    return Response.objects.filter(survey=survey, user=user).only("created").first()


@dataclass(frozen=True)
class Share:
    label: str
    count: int
    percent: float  # of the people who answered the question


@dataclass(frozen=True)
class WrittenAnswer:
    text: str
    # Only for respondents who asked to be contacted about their answers; empty otherwise.
    contact_name: str = ""
    contact_email: str = ""


@dataclass
class QuestionResult:
    position: int
    text: str
    kind: str
    kind_label: str
    required: bool
    answered: int
    shares: list[Share] = field(default_factory=list)  # choices, or ratings 1 to 5
    mean: float | None = None
    written: list[WrittenAnswer] = field(default_factory=list)
    chart: str = ""  # filled in by the page that shows it


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[QuestionResult]


def _percent(count: int, base: int) -> float:
    return round(100 * count / base, 1) if base else 0.0


def results(survey: Survey) -> SurveyResults:
    responses = Response.objects.filter(survey=survey).count()
    questions = list(
        Question.objects.filter(survey=survey)
        .annotate(answered=Count("answers"), mean=Avg("answers__rating"))
        .order_by("position", "pk")
    )
    choice_counts: dict[int, list[tuple[str, int]]] = {}
    for question_id, text, count in (
        Choice.objects.filter(question__survey=survey)
        .annotate(n=Count("answers"))
        .order_by("position", "pk")
        .values_list("question_id", "text", "n")
    ):
        choice_counts.setdefault(question_id, []).append((text, count))
    ratings: dict[tuple[int, int], int] = {
        (question_id, rating): count
        for question_id, rating, count in Answer.objects.filter(
            question__survey=survey, rating__isnull=False
        )
        .values("question_id", "rating")
        .annotate(n=Count("pk"))
        .values_list("question_id", "rating", "n")
        .order_by()
    }
    written = _written_answers(survey)
    found = []
    for question in questions:
        result = QuestionResult(
            position=question.position,
            text=question.text,
            kind=question.kind,
            kind_label=question.get_kind_display(),
            required=question.required,
            answered=question.answered,
        )
        if question.has_choices:
            result.shares = [
                Share(text, count, _percent(count, question.answered))
                for text, count in choice_counts.get(question.pk, [])
            ]
        elif question.kind == Question.Kind.RATING:
            result.shares = [
                Share(str(r), n, _percent(n, question.answered))
                for r in range(RATING_MIN, RATING_MAX + 1)
                for n in [ratings.get((question.pk, r), 0)]
            ]
            result.mean = round(question.mean, 2) if question.mean is not None else None
        else:
            result.written = written.get(question.pk, [])
        found.append(result)
    return SurveyResults(survey=survey, responses=responses, questions=found)


def _written_answers(survey: Survey) -> dict[int, list[WrittenAnswer]]:
    """Up to TEXTS_SHOWN written answers per question, in alphabetical order (an order that
    says nothing about who wrote them or when), in one query."""
    contact = Q(response__contact_ok=True, response__user__isnull=False)
    rows = (
        Answer.objects.filter(question__survey=survey, question__kind=Question.Kind.TEXT)
        .exclude(text="")
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("question_id")], order_by=[F("text"), F("pk")]
            ),
            contact_name=Case(
                When(
                    contact,
                    then=Trim(
                        Concat(
                            "response__user__first_name",
                            Value(" "),
                            "response__user__last_name",
                            output_field=CharField(),
                        )
                    ),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            contact_email=Case(
                When(contact, then=F("response__user__email")),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .filter(rank__lte=TEXTS_SHOWN)
        .order_by("question_id", "text", "pk")
        .values_list("question_id", "text", "contact_name", "contact_email")
    )
    found: dict[int, list[WrittenAnswer]] = {}
    for question_id, text, name, email in rows:
        found.setdefault(question_id, []).append(WrittenAnswer(text, name, email))
    return found


def csv_rows(results: SurveyResults) -> list[list[str]]:
    """The aggregate as rows for a CSV file: counts and shares, no written text, no names."""
    rows = [["question", "kind", "answered", "option", "count", "percent", "mean"]]
    rows.append(["(all)", "responses", str(results.responses), "", "", "", ""])
    for number, question in enumerate(results.questions, start=1):
        head = [f"{number}. {question.text}", question.kind, str(question.answered)]
        mean = "" if question.mean is None else f"{question.mean:.2f}"
        if not question.shares:
            rows.append([*head, "", "", "", mean])
        for share in question.shares:
            rows.append([*head, share.label, str(share.count), f"{share.percent:.1f}", mean])
    return rows

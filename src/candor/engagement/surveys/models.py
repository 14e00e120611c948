"""Surveys (P6): optional questionnaires whose results staff see only in aggregate.

A `Response` belongs to an account only when the customer chose to answer under their name;
an anonymous response has no user and only the day it came in. Whether a signed-in customer
has answered is kept apart, in `Participation`, which has no link to the response, no time and
a random key, so "who answered" and "what was answered" cannot be joined.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TEXT_MAX = 2000  # a free-text answer
RATING_MIN, RATING_MAX = 1, 5


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=150)
    intro = models.TextField(
        blank=True, max_length=2000, help_text="Plain text shown above the questions."
    )
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Part of the page address: /surveys/…/"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    allow_anonymous = models.BooleanField(
        "open to guests",
        default=True,
        help_text="Visitors who are not signed in may answer (always anonymously). Signed-in "
        "customers can always choose to answer anonymously.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("view_results", "Can see a survey's aggregate results")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="published_survey_has_a_period",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.opens_at is not None
            and self.closes_at is not None
            and self.opens_at <= now < self.closes_at
        )

    @property
    def mailing(self) -> str:
        return f"survey:{self.pk}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        RATING = "rating", "Rating 1–5"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    text = models.CharField(max_length=300)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey_id", "position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["question_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One person's answers. `user` is empty for an anonymous answer; `created` is a day, not
    a moment, so an anonymous response cannot be matched to a time someone was seen."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    contact_ok = models.BooleanField(
        default=False, help_text="The respondent agreed to be contacted about their answers."
    )
    created = models.DateField()
    # Random, carried by the form: a second submit of the same form stores nothing more.
    token = models.UUIDField(unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=Q(user__isnull=False),
                name="one_named_response_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(contact_ok=False),
                name="anonymous_response_cannot_be_contacted",
            ),
        ]

    def __str__(self) -> str:
        return f"Response to {self.survey_id} on {self.created}"


class Answer(models.Model):
    """The answer to one question: choices, a rating or text, as the question's kind says."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.ManyToManyField(Choice, blank=True, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=TEXT_MAX)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True)
                | Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="rating_from_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to question {self.question_id}"


class Participation(models.Model):
    """That this customer has answered this survey, and nothing else: no time, no link to the
    response, a random key (an ordered one would follow the order of the responses)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The survey's closing day, the same for every marker of a survey: the retention job
    # deletes markers once the survey has closed, when they can no longer stop anything.
    survey_closes_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="one_participation_per_survey")
        ]

    def __str__(self) -> str:
        return f"Answered survey {self.survey_id}"


class SurveyEvent(models.Model):
    """What staff did to a survey: published it, invited customers, closed it."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "Published"
        INVITED = "invited", "Invited customers"
        CLOSED = "closed", "Closed"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    # For an invitation: how many messages it wrote (filled in once they are written).
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.survey}: {self.get_action_display()}"

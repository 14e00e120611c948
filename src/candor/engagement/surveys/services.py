"""Survey actions (P6): publish, close, invite, answer, withdraw an answer.

Each is one transaction. Staff actions write a `SurveyEvent`; mail is written to the outbox
and handed to the workers after commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from candor.messaging import mailings
from candor.messaging.audience import excluded_from_marketing
from candor.messaging.models import MailClass, OutboxMessage
from candor.privacy.card_numbers import mask_card_numbers

from .models import (
    RATING_MAX,
    RATING_MIN,
    TEXT_MAX,
    Answer,
    Participation,
    Question,
    Response,
    Survey,
    SurveyEvent,
)

INVITATION_TEMPLATE = "surveys/email/invitation"

CLOSED_MESSAGE = "This survey is closed, so your answers were not stored."
NOT_OPEN_YET_MESSAGE = "This survey is not open yet, so your answers were not stored."
ALREADY_ANSWERED_MESSAGE = "You have already answered this survey. Thank you!"
SIGN_IN_MESSAGE = "Please sign in to answer this survey; it is open to customers only."


class SurveyError(Exception):
    """An action that was refused; the message says why, and nothing was changed."""


class SurveyClosed(SurveyError):
    pass


class AlreadyAnswered(SurveyError):
    pass


@dataclass(frozen=True)
class AnswerData:
    """What was given for one question: choice ids, a rating or text (by its kind)."""

    question_id: int
    choice_ids: tuple[int, ...] = ()
    rating: int | None = None
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.choice_ids and self.rating is None and not self.text.strip()


@dataclass(frozen=True)
class Submitted:
    stored: bool  # False when the same form had already been received (a double submit)
    masked: bool  # a card number was hidden in a written answer (P13)


# --- staff: publish, close --------------------------------------------------------------


def _check_questions(survey: Survey) -> None:
    questions = list(survey.questions.prefetch_related("choices"))
    if not questions:
        raise SurveyError("Add at least one question before publishing the survey.")
    for question in questions:
        if question.has_choices and len(question.choices.all()) < 2:
            raise SurveyError(f"Give “{question.text}” at least two choices.")


def publish_survey(
    *, survey: Survey, opens_at: datetime, closes_at: datetime, acting_user
) -> Survey:
    """Open a survey for a period (or change the period of one not yet closed)."""
    now = timezone.now()
    if closes_at <= opens_at:
        raise SurveyError("The survey must close after it opens.")
    if closes_at <= now:
        raise SurveyError("The closing time must be in the future.")
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status == Survey.Status.PUBLISHED and locked.closes_at <= now:
            raise SurveyError(
                "This survey has closed and its answers are final; create a new survey to ask "
                "again."
            )
        _check_questions(locked)
        locked.status = Survey.Status.PUBLISHED
        locked.opens_at, locked.closes_at = opens_at, closes_at
        locked.save(update_fields=["status", "opens_at", "closes_at"])
        Participation.objects.filter(survey=locked).update(
            survey_closes_on=timezone.localdate(closes_at)
        )
        SurveyEvent.objects.create(
            survey=locked,
            action=SurveyEvent.Action.PUBLISHED,
            acting_user=acting_user,
            note=f"Open from {_when(opens_at)} to {_when(closes_at)}",
        )
    survey.status, survey.opens_at, survey.closes_at = locked.status, opens_at, closes_at
    return locked


def close_survey(*, survey: Survey, acting_user) -> Survey:
    """Stop taking answers now. A survey that has not opened yet goes back to being a draft."""
    now = timezone.now()
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != Survey.Status.PUBLISHED or locked.closes_at <= now:
            raise SurveyError("This survey is not taking answers, so there is nothing to close.")
        if locked.opens_at > now:
            locked.status, locked.opens_at, locked.closes_at = Survey.Status.DRAFT, None, None
            note = "Withdrawn before it opened; a draft again"
        else:
            locked.closes_at = now
            note = f"Closed at {_when(now)}"
        locked.save(update_fields=["status", "opens_at", "closes_at"])
        Participation.objects.filter(survey=locked).update(survey_closes_on=timezone.localdate(now))
        SurveyEvent.objects.create(
            survey=locked, action=SurveyEvent.Action.CLOSED, acting_user=acting_user, note=note
        )
    survey.status, survey.opens_at, survey.closes_at = (
        locked.status,
        locked.opens_at,
        locked.closes_at,
    )
    return locked


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %b %Y %H:%M}"


# --- staff: invite ----------------------------------------------------------------------


def invitees(survey: Survey) -> QuerySet:
    """Customers to invite: an active account with a verified address, not disabled, not
    restricted, not excluded from optional mail, and not already answered.

    A survey invitation is service mail (no opt-in), but answering is optional and nobody needs
    it to be served, so everyone whom `messaging.audience` keeps from marketing (disabled
    accounts and restricted processing, at any of their addresses) is left out too.
    """
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    answered = Participation.objects.filter(survey=survey, user=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(
            Exists(verified),
            is_active=True,
            is_staff=False,
            disabled_at__isnull=True,
            processing_restricted=False,
        )
        .exclude(excluded_from_marketing("email"))
        .exclude(Exists(answered))
    )


def invitation_key(survey: Survey, user_id: int) -> str:
    return f"survey:{survey.pk}:user:{user_id}"


def invite_to_survey(*, survey: Survey, acting_user) -> SurveyEvent:
    """Mail an invitation to every customer who may get one; once per customer and survey,
    so inviting again reaches only customers who were not invited before."""
    from .tasks import send_invitations

    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if not locked.is_open():
            raise SurveyError("Invite customers while the survey is open.")
        event = SurveyEvent.objects.create(
            survey=locked, action=SurveyEvent.Action.INVITED, acting_user=acting_user
        )
        transaction.on_commit(lambda: send_invitations.delay(event.pk), robust=True)
    return event


def write_invitations(event_id: int) -> int:
    """Write the invitations of one "invite" action, a chunk at a time; safe to run again.
    Returns how many messages this run wrote."""
    event = SurveyEvent.objects.select_related("survey").get(pk=event_id)
    survey = event.survey
    rendered = mailings.render_mailing(
        INVITATION_TEMPLATE,
        {
            "survey": survey,
            "survey_url": settings.SITE_URL + reverse("surveys:detail", args=[survey.slug]),
            "paragraphs": [p.strip() for p in survey.intro.split("\n\n") if p.strip()],
        },
        MailClass.SERVICE,
    )
    written = 0
    for chunk in mailings.keyset_chunks(invitees(survey), "email"):
        keys = {user_id: invitation_key(survey, user_id) for user_id, _ in chunk}
        done = set(
            OutboxMessage.objects.filter(idempotency_key__in=keys.values()).values_list(
                "idempotency_key", flat=True
            )
        )
        rows = []
        for user_id, email in chunk:
            if keys[user_id] in done:
                continue
            message = mailings.message_for(rendered, email=email, mailing=survey.mailing)
            message.idempotency_key = keys[user_id]
            rows.append(message)
        if rows:
            mailings.write_chunk(rows)
            written += len(rows)
    SurveyEvent.objects.filter(pk=event.pk).update(recipients=written)
    return written


# --- customers: answer, withdraw --------------------------------------------------------


def submit_response(
    *,
    survey: Survey,
    user,
    anonymous: bool,
    contact_ok: bool,
    answers: list[AnswerData],
    token: uuid.UUID,
    now: datetime | None = None,
) -> Submitted:
    """Store one person's answers. `user` is None for a guest, whose answer is anonymous.

    A signed-in customer answers once, named or anonymous: a `Participation` marker (with no
    link to the response) says they did. Free text is masked for card numbers first (P13).
    """
    now = now or timezone.now()
    if user is not None and not user.is_authenticated:
        user = None
    if user is None:
        anonymous = True
    if anonymous and contact_ok:
        raise SurveyError(
            "An anonymous answer cannot be followed up: untick “answer anonymously” if you "
            "would like us to contact you."
        )
    if user is None and not survey.allow_anonymous:
        raise SurveyError(SIGN_IN_MESSAGE)
    if not survey.is_open(now):
        if survey.status == Survey.Status.PUBLISHED and survey.opens_at and now < survey.opens_at:
            raise SurveyClosed(NOT_OPEN_YET_MESSAGE)
        raise SurveyClosed(CLOSED_MESSAGE)
    cleaned, masked = _clean_answers(survey, answers)
    with transaction.atomic():
        if Response.objects.filter(token=token).exists():
            return Submitted(stored=False, masked=masked)
        if user is not None:
            try:
                with transaction.atomic():
                    Participation.objects.create(
                        survey=survey,
                        user=user,
                        survey_closes_on=timezone.localdate(survey.closes_at),
                    )
            except IntegrityError:
                # the same form sent twice at once: the other request stored it
                if Response.objects.filter(token=token).exists():
                    return Submitted(stored=False, masked=masked)
                raise AlreadyAnswered(ALREADY_ANSWERED_MESSAGE) from None
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    survey=survey,
                    user=None if anonymous else user,
                    contact_ok=contact_ok,
                    created=timezone.localdate(now),
                    token=token,
                )
        except IntegrityError:
            # Only a guest's double submit races here (a customer's is caught above).
            return Submitted(stored=False, masked=masked)
        rows = Answer.objects.bulk_create(
            [
                Answer(response=response, question=question, rating=rating, text=text)
                for question, _, rating, text in cleaned
            ]
        )
        links = [
            Answer.choices.through(answer_id=row.pk, choice_id=choice_id)
            for row, (_, choice_ids, _, _) in zip(rows, cleaned, strict=True)
            for choice_id in choice_ids
        ]
        Answer.choices.through.objects.bulk_create(links)
    return Submitted(stored=True, masked=masked)


def _clean_answers(
    survey: Survey, answers: list[AnswerData]
) -> tuple[list[tuple[Question, tuple[int, ...], int | None, str]], bool]:
    """Check the answers against the survey's questions; return them in question order with
    text masked, and whether any card number was hidden. Raises SurveyError on anything wrong."""
    questions = list(survey.questions.prefetch_related("choices"))
    by_id = {question.pk: question for question in questions}
    given: dict[int, AnswerData] = {}
    for answer in answers:
        if answer.question_id not in by_id or answer.question_id in given:
            raise SurveyError("These answers do not fit this survey; nothing was stored.")
        given[answer.question_id] = answer
    cleaned = []
    masked = False
    for question in questions:
        answer = given.get(question.pk)
        if answer is None or answer.empty:
            if question.required:
                raise SurveyError(f"Please answer “{question.text}”.")
            continue
        choice_ids, rating, text, hid_card = _clean_one(question, answer)
        masked = masked or hid_card
        cleaned.append((question, choice_ids, rating, text))
    if not cleaned:
        raise SurveyError("Answer at least one question, or simply leave the survey.")
    return cleaned, masked


def _clean_one(
    question: Question, answer: AnswerData
) -> tuple[tuple[int, ...], int | None, str, bool]:
    """(choice ids, rating, text, whether a card number was hidden in the text)."""
    wrong = SurveyError(f"The answer to “{question.text}” is not one it can take.")
    kind = question.kind
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        allowed = {choice.pk for choice in question.choices.all()}
        ids = answer.choice_ids
        if answer.rating is not None or answer.text or not set(ids) <= allowed:
            raise wrong
        if len(set(ids)) != len(ids) or (kind == Question.Kind.SINGLE and len(ids) != 1):
            raise wrong
        return tuple(sorted(ids)), None, "", False
    if kind == Question.Kind.RATING:
        if answer.choice_ids or answer.text or answer.rating is None:
            raise wrong
        if not RATING_MIN <= answer.rating <= RATING_MAX:
            raise wrong
        return (), answer.rating, "", False
    # Measured as it will be stored: masking a card number can lengthen the text a little.
    result = mask_card_numbers(answer.text.strip())
    if answer.choice_ids or answer.rating is not None or len(result.text) > TEXT_MAX:
        raise wrong
    return (), None, result.text, result.changed


def withdraw_response(*, survey: Survey, user) -> None:
    """Delete the customer's answers given under their name (consent withdrawn). They may
    answer again while the survey is open. Anonymous answers cannot be found, so they stay."""
    with transaction.atomic():
        deleted, _ = Response.objects.filter(survey=survey, user=user).delete()
        if not deleted:
            raise SurveyError("There are no answers under your name to withdraw.")
        Participation.objects.filter(survey=survey, user=user).delete()

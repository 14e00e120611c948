"""Staff build surveys in the back office, publish them for a period and close them (P6)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candor.engagement.surveys import services
from candor.engagement.surveys.models import Participation, Question, Survey, SurveyEvent
from tests.factories import UserFactory

from .factories import ChoiceFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def test_p6_staff_build_a_survey_with_questions_and_choices_in_the_back_office(
    admin_client, admin_user
):
    added = admin_client.post(
        reverse("admin:surveys_survey_add"),
        {
            "title": "Your new phone",
            "slug": "new-phone",
            "intro": "Two minutes, three questions.",
            "allow_anonymous": "on",
            "questions-TOTAL_FORMS": "2",
            "questions-INITIAL_FORMS": "0",
            "questions-0-position": "1",
            "questions-0-kind": "single",
            "questions-0-text": "Which phone did you buy?",
            "questions-0-required": "on",
            "questions-1-position": "2",
            "questions-1-kind": "rating",
            "questions-1-text": "How happy are you with it?",
        },
    )
    assert added.status_code == 302
    survey = Survey.objects.get()
    assert (survey.title, survey.status, survey.created_by) == (
        "Your new phone",
        Survey.Status.DRAFT,
        admin_user,
    )
    question = survey.questions.get(kind="single")
    assert list(survey.questions.values_list("text", "required")) == [
        ("Which phone did you buy?", True),
        ("How happy are you with it?", False),
    ]
    changed = admin_client.post(
        reverse("admin:surveys_question_change", args=[question.pk]),
        {
            "position": "1",
            "kind": "single",
            "text": "Which phone did you buy?",
            "required": "on",
            "choices-TOTAL_FORMS": "2",
            "choices-INITIAL_FORMS": "0",
            "choices-0-position": "1",
            "choices-0-text": "Pixel",
            "choices-1-position": "2",
            "choices-1-text": "Galaxy",
        },
    )
    assert changed.status_code == 302
    assert list(question.choices.values_list("text", flat=True)) == ["Pixel", "Galaxy"]


def test_p6_publishing_opens_the_survey_for_its_period_and_records_who(admin_client, admin_user):
    survey = SurveyFactory(slug="phones")
    question = QuestionFactory(survey=survey)
    ChoiceFactory.create_batch(2, question=question)
    opens, closes = timezone.now() - timedelta(minutes=5), timezone.now() + timedelta(days=14)
    page = admin_client.get(reverse("admin:surveys_publish", args=[survey.pk]))
    assert page.status_code == 200
    published = admin_client.post(
        reverse("admin:surveys_publish", args=[survey.pk]),
        {"opens_at": _local(opens), "closes_at": _local(closes)},
    )
    assert published.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PUBLISHED
    assert survey.opens_at == opens.replace(second=0, microsecond=0)
    assert survey.closes_at == closes.replace(second=0, microsecond=0)
    assert survey.is_open()
    event = SurveyEvent.objects.get()
    assert (event.action, event.acting_user) == (SurveyEvent.Action.PUBLISHED, admin_user)
    # the questions are now read-only, so results count answers to what was asked
    change = admin_client.get(reverse("admin:surveys_survey_change", args=[survey.pk]))
    assert b'name="questions-0-text"' not in change.content
    refused = admin_client.post(
        reverse("admin:surveys_question_change", args=[question.pk]),
        {
            "position": "1",
            "kind": "text",
            "text": "Changed?",
            "choices-TOTAL_FORMS": "0",
            "choices-INITIAL_FORMS": "0",
        },
    )
    assert refused.status_code == 403
    question.refresh_from_db()
    assert question.kind == Question.Kind.SINGLE


@pytest.mark.parametrize(
    "setup, message",
    [
        ("no questions", "Add at least one question before publishing the survey."),
        ("one choice", "Give “Pick one?” at least two choices."),
        ("backwards", "The survey must close after it opens."),
        ("past", "The closing time must be in the future."),
    ],
)
def test_p6_publishing_is_refused_with_a_reason_and_changes_nothing(admin_client, setup, message):
    survey = SurveyFactory()
    opens, closes = timezone.now(), timezone.now() + timedelta(days=7)
    if setup != "no questions":
        question = QuestionFactory(survey=survey, text="Pick one?")
        ChoiceFactory.create_batch(1 if setup == "one choice" else 2, question=question)
    if setup == "backwards":
        opens, closes = closes, opens
    if setup == "past":
        opens, closes = opens - timedelta(days=9), opens - timedelta(days=2)
    refused = admin_client.post(
        reverse("admin:surveys_publish", args=[survey.pk]),
        {"opens_at": _local(opens), "closes_at": _local(closes)},
    )
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == [message]
    survey.refresh_from_db()
    assert (survey.status, survey.opens_at, survey.closes_at) == (Survey.Status.DRAFT, None, None)
    assert not SurveyEvent.objects.exists()


def test_p6_closing_stops_answers_and_a_closed_survey_cannot_reopen(built, admin_client):
    customer = UserFactory()
    Participation.objects.create(
        survey=built.survey, user=customer, survey_closes_on=built.survey.closes_at.date()
    )
    closed = admin_client.post(reverse("admin:surveys_close", args=[built.survey.pk]))
    assert closed.status_code == 302
    built.survey.refresh_from_db()
    assert not built.survey.is_open()
    assert Participation.objects.get().survey_closes_on == timezone.localdate()
    with pytest.raises(services.SurveyError, match="has closed and its answers are final"):
        services.publish_survey(
            survey=built.survey,
            opens_at=timezone.now(),
            closes_at=timezone.now() + timedelta(days=3),
            acting_user=None,
        )
    assert list(SurveyEvent.objects.values_list("action", flat=True)) == ["closed"]


def test_p6_closing_a_survey_before_it_opens_makes_it_a_draft_again(built):
    Survey.objects.filter(pk=built.survey.pk).update(
        opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=5)
    )
    built.survey.refresh_from_db()
    services.close_survey(survey=built.survey, acting_user=None)
    built.survey.refresh_from_db()
    assert (built.survey.status, built.survey.opens_at) == (Survey.Status.DRAFT, None)
    with pytest.raises(services.SurveyError, match="nothing to close"):
        services.close_survey(survey=built.survey, acting_user=None)


def test_p6_changing_the_period_moves_the_answered_markers_retention(built):
    customer = UserFactory()
    Participation.objects.create(
        survey=built.survey, user=customer, survey_closes_on=built.survey.closes_at.date()
    )
    later = timezone.now() + timedelta(days=40)
    services.publish_survey(
        survey=built.survey, opens_at=built.survey.opens_at, closes_at=later, acting_user=None
    )
    assert Participation.objects.get().survey_closes_on == timezone.localdate(later)

"""What surveys keep is in the data map (X1) and goes when the map says (P6)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from candor.engagement.surveys.models import Answer, Participation, Response
from candor.privacy import datamap, retention
from candor.privacy.checks import check_data_map
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_x1_every_survey_field_is_declared():
    assert [e.msg for e in check_data_map() if "surveys." in e.msg] == []


def test_x1_p6_survey_answers_are_personal_data_kept_two_years_under_consent():
    response = datamap.declarations()["surveys.Response"]
    assert response.age_field == "created"
    for name in ("survey", "user", "contact_ok", "created"):
        spec = response.fields[name]
        assert (spec.category, spec.purposes, spec.basis) == (
            "content.survey",
            ("improvement",),
            "consent",
        )
        assert [(r.days, r.then) for r in spec.retention] == [(730, "delete")]
    assert response.fields["token"] is datamap.NOT_PERSONAL
    marker = datamap.declarations()["surveys.Participation"]
    assert marker.age_field == "survey_closes_on"
    assert [(r.days, r.then, r.since) for r in marker.fields["user"].retention] == [
        (1, "delete", "ended")
    ]


def _response(built, days_ago: int, user=None) -> Response:
    response = Response.objects.create(
        survey=built.survey,
        user=user,
        created=timezone.localdate() - timedelta(days=days_ago),
        token=uuid.uuid4(),
    )
    Answer.objects.create(response=response, question=built.text, text=f"{days_ago} days ago")
    return response


def test_p6_responses_are_deleted_two_years_after_the_day_of_the_answer(built):
    old = _response(built, 731, user=UserFactory())
    kept = _response(built, 729)
    report = retention.apply_retention(now=timezone.now())
    assert list(Response.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(Answer.objects.values_list("text", flat=True)) == ["729 days ago"]
    assert report.deleted["surveys.Response"] == 1
    assert not Response.objects.filter(pk=old.pk).exists()


def test_p6_answered_markers_are_deleted_the_day_after_the_survey_closes(built):
    customer = UserFactory()
    Participation.objects.create(
        survey=built.survey, user=customer, survey_closes_on=timezone.localdate()
    )
    retention.apply_retention(now=timezone.now() + timedelta(days=1))
    assert Participation.objects.count() == 1  # the day after: still there
    report = retention.apply_retention(now=timezone.now() + timedelta(days=2, hours=1))
    assert Participation.objects.count() == 0
    assert report.deleted["surveys.Participation"] == 1


def test_p6_p20_deleting_an_account_deletes_its_named_answers(built):
    customer = UserFactory()
    _response(built, 3, user=customer)
    anonymous = _response(built, 3)
    customer.delete()
    assert list(Response.objects.values_list("pk", flat=True)) == [anonymous.pk]

"""Answering a survey (P6): optional, anonymous if the respondent wants, once per customer.

Refused answers (closed or draft surveys, missing required answers, choices the question does
not offer) say why and store nothing. Free text is masked for card numbers (P13).
"""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from candor.engagement.surveys import services
from candor.engagement.surveys.models import Answer, Participation, Response, Survey
from candor.privacy.card_numbers import MASKED_NOTICE
from tests.factories import UserFactory

from .factories import OpenSurveyFactory

pytestmark = pytest.mark.django_db


def answers(built, **overrides) -> dict:
    data = {
        "token": str(uuid.uuid4()),
        f"q{built.single.pk}": str(built.search.pk),
        f"q{built.multiple.pk}": [str(built.phone.pk), str(built.charger.pk)],
        f"q{built.rating.pk}": "4",
        f"q{built.text.pk}": "Fast delivery.",
    }
    questions = {
        "single": built.single,
        "multiple": built.multiple,
        "rating": built.rating,
        "text": built.text,
    }
    for key, value in overrides.items():
        field = f"q{questions[key].pk}" if key in questions else key
        if value is None:
            data.pop(field, None)
        else:
            data[field] = value
    return data


def url(built) -> str:
    return reverse("surveys:detail", args=[built.survey.slug])


def stored() -> tuple:
    """Everything answering could write."""
    return (
        sorted(Response.objects.values_list("id", "user_id", "contact_ok", "created")),
        sorted(Answer.objects.values_list("id", "question_id", "rating", "text")),
        sorted(Answer.choices.through.objects.values_list("answer_id", "choice_id")),
        sorted(Participation.objects.values_list("survey_id", "user_id")),
    )


NOTHING = ([], [], [], [])


def error_of(response) -> str:
    return response.context["error"]


# --- guests ------------------------------------------------------------------------------


def test_p6_p1_a_guest_answers_anonymously_with_only_the_day_kept(client, built):
    page = client.get(url(built))
    assert page.status_code == 200
    assert b'name="anonymous"' not in page.content  # a guest's answer is always anonymous
    assert b'name="contact_ok"' not in page.content

    response = client.post(url(built), answers(built))

    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks", args=["shopping"])
    saved = Response.objects.get()
    assert (saved.user_id, saved.contact_ok, saved.created) == (None, False, timezone.localdate())
    assert Participation.objects.count() == 0
    by_question = {a.question_id: a for a in Answer.objects.prefetch_related("choices")}
    assert [c.pk for c in by_question[built.single.pk].choices.all()] == [built.search.pk]
    assert sorted(c.pk for c in by_question[built.multiple.pk].choices.all()) == [
        built.phone.pk,
        built.charger.pk,
    ]
    assert by_question[built.rating.pk].rating == 4
    assert by_question[built.text.pk].text == "Fast delivery."
    assert "sessionid" not in response.cookies  # P1: answering needs no session


def test_p6_optional_questions_may_be_left_out(client, built):
    response = client.post(url(built), answers(built, multiple=None, rating=None, text=None))
    assert response.status_code == 302
    assert list(Answer.objects.values_list("question_id", flat=True)) == [built.single.pk]


def test_p6_the_same_form_sent_twice_is_stored_once(client, built):
    data = answers(built)
    first = client.post(url(built), data)
    second = client.post(url(built), data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 4


def test_p6_one_connection_cannot_skew_a_survey_with_guest_answers(client, built):
    """Guests cannot be told apart: a connection gets three guest answers a day per survey,
    then a clear refusal that stores nothing; signed-in customers are not limited by it."""
    from candor.engagement.surveys.views import GUEST_LIMIT_MESSAGE

    for _ in range(3):
        assert client.post(url(built), answers(built)).status_code == 302
    before = stored()

    refused = client.post(url(built), answers(built))

    assert refused.status_code == 429
    assert error_of(refused) == GUEST_LIMIT_MESSAGE
    assert stored() == before
    client.force_login(UserFactory())
    assert client.post(url(built), answers(built)).status_code == 302


def test_p6_a_survey_closed_to_guests_asks_them_to_sign_in_and_stores_nothing(client, db):
    from .conftest import build_survey

    built = build_survey(allow_anonymous=False)
    page = client.get(url(built))
    assert page.status_code == 200
    assert b"to answer this survey." in page.content
    assert "form" not in page.context
    refused = client.post(url(built), answers(built))
    assert refused.status_code == 403
    assert error_of(refused) == services.SIGN_IN_MESSAGE
    assert stored() == NOTHING


# --- signed-in customers -----------------------------------------------------------------


def test_p6_a_customer_answers_under_their_name_once(client, built):
    customer = UserFactory(email="ayesha@example.com")
    client.force_login(customer)
    page = client.get(url(built))
    assert b'name="anonymous"' in page.content and b'name="contact_ok"' in page.content

    response = client.post(url(built), answers(built, contact_ok="on"))
    assert response.status_code == 302
    saved = Response.objects.get()
    assert (saved.user_id, saved.contact_ok) == (customer.pk, True)
    assert list(Participation.objects.values_list("user_id", flat=True)) == [customer.pk]
    before = stored()

    again = client.post(url(built), answers(built, single=str(built.friend.pk)))
    assert again.status_code == 409
    assert error_of(again) == "You have already answered this survey. Thank you!"
    assert stored() == before
    page = client.get(url(built))
    assert "form" not in page.context
    assert b"Withdraw my answers" in page.content


def test_p6_a_customer_answering_anonymously_leaves_no_link_to_the_answers(client, built):
    customer = UserFactory(email="chen@example.com")
    client.force_login(customer)
    response = client.post(url(built), answers(built, anonymous="on"))
    assert response.status_code == 302
    saved = Response.objects.get()
    assert (saved.user_id, saved.contact_ok, saved.created) == (None, False, timezone.localdate())
    # Only "has answered", with a random key, no time and no reference to the response.
    marker = Participation.objects.get()
    assert (marker.survey_id, marker.user_id) == (built.survey.pk, customer.pk)
    assert {f.name for f in Participation._meta.get_fields()} == {
        "id",
        "survey",
        "user",
        "survey_closes_on",
    }
    assert marker.survey_closes_on == timezone.localdate(built.survey.closes_at)
    assert isinstance(marker.pk, uuid.UUID)
    before = stored()

    # answering again, anonymously or not, is refused
    for extra in ({"anonymous": "on"}, {}):
        again = client.post(url(built), answers(built, **extra))
        assert again.status_code == 409
    assert stored() == before
    page = client.get(url(built))
    assert b"You have answered this survey." in page.content
    assert b"Withdraw my answers" not in page.content  # nothing under their name


def test_p6_an_anonymous_answer_cannot_ask_to_be_contacted(client, built):
    client.force_login(UserFactory())
    refused = client.post(url(built), answers(built, anonymous="on", contact_ok="on"))
    assert refused.status_code == 400
    assert refused.context["form"].errors["contact_ok"] == [
        "We cannot contact you about an anonymous answer: untick one of the two."
    ]
    assert stored() == NOTHING


def test_p6_p20_a_customer_withdraws_their_named_answers_and_may_answer_again(client, built):
    customer = UserFactory()
    client.force_login(customer)
    client.post(url(built), answers(built))
    withdrawn = client.post(reverse("surveys:withdraw", args=["shopping"]), follow=True)
    assert withdrawn.redirect_chain == [(url(built), 302)]
    assert b"Your answers to this survey have been deleted." in withdrawn.content
    assert stored() == NOTHING
    assert client.post(url(built), answers(built)).status_code == 302
    assert Response.objects.get().user_id == customer.pk


def test_p6_withdrawing_with_no_named_answer_changes_nothing(client, built):
    client.force_login(UserFactory())
    client.post(url(built), answers(built, anonymous="on"))
    before = stored()
    page = client.post(reverse("surveys:withdraw", args=["shopping"]), follow=True)
    assert b"There are no answers under your name to withdraw." in page.content
    assert stored() == before


# --- refused answers ---------------------------------------------------------------------


def test_p6_a_closed_survey_refuses_answers_and_stores_nothing(client, built):
    Survey.objects.filter(pk=built.survey.pk).update(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    page = client.get(url(built))
    assert page.status_code == 200
    assert b"This survey closed on" in page.content and "form" not in page.context
    refused = client.post(url(built), answers(built))
    assert refused.status_code == 400
    assert error_of(refused) == "This survey is closed, so your answers were not stored."
    assert stored() == NOTHING


def test_p6_a_survey_not_open_yet_refuses_answers(client, built):
    Survey.objects.filter(pk=built.survey.pk).update(
        opens_at=timezone.now() + timedelta(days=1), closes_at=timezone.now() + timedelta(days=9)
    )
    refused = client.post(url(built), answers(built))
    assert refused.status_code == 400
    assert error_of(refused) == "This survey is not open yet, so your answers were not stored."
    assert stored() == NOTHING


def test_p6_a_draft_survey_is_not_found_and_stores_nothing(client, built):
    Survey.objects.filter(pk=built.survey.pk).update(
        status=Survey.Status.DRAFT, opens_at=None, closes_at=None
    )
    for response in (client.get(url(built)), client.post(url(built), answers(built))):
        assert response.status_code == 404
        assert b"There is no survey at this address." in response.content
    assert stored() == NOTHING


def test_p6_a_required_question_must_be_answered(client, built):
    refused = client.post(url(built), answers(built, single=None))
    assert refused.status_code == 400
    assert refused.context["form"].errors == {f"q{built.single.pk}": ["This field is required."]}
    assert b'role="alert">This field is required.' in refused.content
    assert stored() == NOTHING


@pytest.mark.parametrize(
    "field, value",
    [
        ("single", "999999"),
        ("single", "charger"),  # a choice of another question
        ("multiple", ["999999"]),
        ("rating", "6"),
        ("rating", "0"),
    ],
)
def test_p6_a_choice_the_question_does_not_offer_is_a_form_error(client, built, field, value):
    if value == "charger":
        value = str(built.charger.pk)
    refused = client.post(url(built), answers(built, **{field: value}))
    assert refused.status_code == 400
    question = getattr(built, field)
    [message] = refused.context["form"].errors[f"q{question.pk}"]
    assert message.startswith("Select a valid choice.")
    assert stored() == NOTHING


def test_p6_an_empty_form_is_refused(client, built):
    built.single.required = False
    built.single.save()
    refused = client.post(url(built), {"token": str(uuid.uuid4())})
    assert refused.status_code == 400
    assert refused.context["form"].non_field_errors() == [
        "Answer at least one question, or simply leave the survey."
    ]
    assert stored() == NOTHING


def test_p6_a_text_answer_longer_than_allowed_is_refused(client, built):
    refused = client.post(url(built), answers(built, text="x" * 2001))
    assert refused.status_code == 400
    assert refused.context["form"].errors[f"q{built.text.pk}"] == [
        "Ensure this value has at most 2000 characters (it has 2001)."
    ]
    assert stored() == NOTHING


def test_p13_a_card_number_in_a_written_answer_is_masked_and_the_respondent_told(client, built):
    response = client.post(
        url(built), answers(built, text="Refund to 4242 4242 4242 4242 please"), follow=True
    )
    assert response.redirect_chain == [
        (reverse("surveys:thanks", args=["shopping"]) + "?masked=1", 302)
    ]
    assert escape(MASKED_NOTICE) in response.content.decode()
    text = Answer.objects.get(question=built.text).text
    assert text == "Refund to •••• •••• •••• 4242 please"
    plain = client.get(reverse("surveys:thanks", args=["shopping"]))
    assert escape(MASKED_NOTICE) not in plain.content.decode()


# --- the service itself ------------------------------------------------------------------


def test_p6_the_service_refuses_answers_that_do_not_fit_the_survey(built):
    other = OpenSurveyFactory()
    token = uuid.uuid4()
    cases = [
        [services.AnswerData(built.single.pk, choice_ids=(built.search.pk, built.friend.pk))],
        [services.AnswerData(built.single.pk, choice_ids=(built.phone.pk,))],
        [services.AnswerData(built.single.pk, rating=3)],
        [
            services.AnswerData(built.single.pk, choice_ids=(built.search.pk,)),
            services.AnswerData(built.single.pk, choice_ids=(built.search.pk,)),
        ],
        [services.AnswerData(built.rating.pk, rating=7)],
        [services.AnswerData(built.text.pk, text="hi")],  # the required question is missing
    ]
    for given in cases:
        with pytest.raises(services.SurveyError):
            services.submit_response(
                survey=built.survey,
                user=None,
                anonymous=True,
                contact_ok=False,
                answers=given,
                token=token,
            )
    with pytest.raises(services.SurveyError):
        services.submit_response(
            survey=other,
            user=None,
            anonymous=True,
            contact_ok=False,
            answers=[services.AnswerData(built.single.pk, choice_ids=(built.search.pk,))],
            token=token,
        )
    assert stored() == NOTHING


# --- the list and the page ---------------------------------------------------------------


def test_p6_the_list_shows_only_open_surveys(client, built):
    OpenSurveyFactory(title="Later", opens_at=timezone.now() + timedelta(days=1))
    OpenSurveyFactory(title="Over", closes_at=timezone.now() - timedelta(hours=1))
    from .factories import SurveyFactory

    SurveyFactory(title="Draft")
    page = client.get(reverse("surveys:list"))
    assert [s.title for s in page.context["surveys"]] == ["Shopping with us"]
    assert b'href="/surveys/shopping/"' in page.content


def test_p6_the_survey_page_query_count_is_pinned(client, built, django_assert_num_queries):
    client.get(url(built))  # the shop settings and the banner are cached from here on
    with django_assert_num_queries(3):  # survey, questions, choices
        assert client.get(url(built)).status_code == 200
    client.force_login(UserFactory())
    # + session, user, "has answered?", and the header's cart count
    with django_assert_num_queries(7):
        assert client.get(url(built)).status_code == 200

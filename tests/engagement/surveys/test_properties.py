"""Whatever is posted to a survey's answer endpoint, the shop never answers 5xx (P6, P13).

Refused input answers 400 and stores nothing; accepted input stores exactly one response (and,
for a signed-in customer, one "has answered" marker) whose answers are ones the questions
offer, with no card number left in the text; an anonymous response never asks for contact.
"""

import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from candor.engagement.surveys.models import Answer, Participation, Response
from candor.privacy.card_numbers import mask_card_numbers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
card_text = st.sampled_from(["4242 4242 4242 4242", "card 5555-5555-5555-4444 exp 12/29"])
ints = st.integers(min_value=-(2**70), max_value=2**70).map(str)


junk = st.one_of(st.none(), ints, any_text, st.lists(st.one_of(ints, any_text), max_size=4))


def snapshot() -> tuple:
    return (
        Response.objects.count(),
        Answer.objects.count(),
        Answer.choices.through.objects.count(),
        Participation.objects.count(),
    )


@PROPERTY
@given(data=st.data())
@example(data=None)
def test_p6_the_answer_endpoint_never_fails_and_refusals_store_nothing(built, data):
    single = [str(built.search.pk), str(built.friend.pk)]
    multiple = [str(built.phone.pk), str(built.case.pk), str(built.charger.pk)]
    posted = {"token": str(uuid.uuid4()), f"q{built.single.pk}": single[0]}
    if data is not None:
        # a valid form, then a few of its fields replaced with anything at all
        posted.update(
            {
                f"q{built.single.pk}": data.draw(st.sampled_from(single)),
                f"q{built.multiple.pk}": data.draw(
                    st.lists(st.sampled_from(multiple), max_size=3, unique=True)
                ),
                f"q{built.rating.pk}": data.draw(st.sampled_from(["", "1", "3", "5"])),
                f"q{built.text.pk}": data.draw(st.one_of(any_text, card_text)),
                data.draw(st.sampled_from(["anonymous", "contact_ok", "junk"])): "on",
            }
        )
        fields = sorted(posted)
        for name in data.draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
            posted[name] = data.draw(junk)
        posted = {key: value for key, value in posted.items() if value is not None}
    cache.clear()  # each example is a fresh visitor as far as the guest limit goes
    client = Client()
    signed_in = data is not None and data.draw(st.booleans())
    if signed_in:
        client.force_login(UserFactory())
    before = snapshot()

    response = client.post(f"/surveys/{built.survey.slug}/", posted)

    assert response.status_code in (302, 400), response.status_code
    event(f"status {response.status_code}")
    if response.status_code == 400:
        assert snapshot() == before
        return
    after = snapshot()
    assert (after[0], after[3]) == (before[0] + 1, before[3] + signed_in)
    saved = Response.objects.order_by("-pk").first()
    if not signed_in:
        assert saved.user_id is None and not saved.contact_ok
    if saved.user_id is None:
        assert not saved.contact_ok
    for answer in saved.answers.prefetch_related("choices"):
        offered = set(answer.question.choices.values_list("pk", flat=True))
        assert {c.pk for c in answer.choices.all()} <= offered
        assert answer.rating is None or 1 <= answer.rating <= 5
        assert not mask_card_numbers(answer.text).changed

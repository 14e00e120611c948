"""P19 (and P13, P2): a buyer submits a testimonial with explicit consent to publish it.

Only a product the customer bought with their account (an order of theirs, not cancelled) can
be praised; the consent box is required and its wording is stored as a version and a hash;
the name shown is computed once from the chosen form. Refusals are clear and store nothing; a
double submit makes one testimonial.
"""

import re

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from candor.engagement.testimonials import consent, services
from candor.engagement.testimonials import models as testimonials
from candor.orders.models import OrderStatus
from candor.orders.services import change_status
from candor.privacy.card_numbers import MASKED_NOTICE
from tests.factories import ProductFactory, UserFactory, VariantFactory
from tests.unstorable import refused_before_the_view

from .conftest import TEXT, form_data

pytestmark = pytest.mark.django_db


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


def nothing_stored():
    return (
        not testimonials.Testimonial.objects.exists()
        and not testimonials.TestimonialConsent.objects.exists()
    )


def test_p19_a_buyer_submits_a_testimonial_with_consent_recorded(browser, buyer, bought):
    before = timezone.now()
    response = browser.post("/testimonials/write/", form_data(bought))
    assert response.status_code == 302 and response["Location"] == "/testimonials/mine/"
    testimonial = testimonials.Testimonial.objects.select_related("consent").get()
    assert testimonial.status == testimonials.TestimonialStatus.PENDING
    assert testimonial.text == TEXT
    assert testimonial.rating == 5
    assert testimonial.display_name == "Ayesha S."
    assert testimonial.affiliation == "Lahore"
    record = testimonial.consent
    assert (record.user, record.product) == (buyer, bought)
    assert record.name_form == "first_initial"
    assert record.wording_version == consent.CURRENT_VERSION == "1"
    assert record.wording_sha256 == consent.wording_sha256()
    assert len(record.wording_sha256) == 64
    assert before <= record.given_at <= timezone.now()
    assert record.withdrawn_at is None and record.ended_at is None


def test_p19_the_form_shows_the_exact_consent_wording_that_is_hashed(browser, bought):
    page = browser.get(f"/testimonials/write/?product={bought.slug}").content.decode()
    assert consent.wording() in page
    assert f'<option value="{bought.pk}" selected>' in page
    assert 'name="consent_version" value="1"' in page
    # The name choices preview exactly what will be shown.
    assert "Full name: Ayesha Siddiqui" in page
    assert "First name and initial: Ayesha S." in page
    assert "No name: shown as “A customer”" in page


@pytest.mark.parametrize(
    ("name_form", "shown"),
    [("full", "Ayesha Siddiqui"), ("first_initial", "Ayesha S."), ("none", "")],
)
def test_p19_the_shown_name_is_computed_from_the_chosen_form(submit, bought, name_form, shown):
    assert submit(bought, name_form=name_form).display_name == shown


def test_p19_a_later_change_of_name_does_not_change_the_shown_name(submit, buyer, bought):
    testimonial = submit(bought, name_form="first_initial")
    buyer.first_name, buyer.last_name = "Zainab", "Malik"
    buyer.save()
    testimonial.refresh_from_db()
    assert testimonial.display_name == "Ayesha S."


def test_p19_an_account_without_a_name_must_choose_no_name(browser, buyer, bought):
    buyer.first_name = buyer.last_name = ""
    buyer.save()
    response = browser.post("/testimonials/write/", form_data(bought, name_form="full"))
    assert response.status_code == 400
    assert alerts(response) == [services.NO_NAME]
    assert nothing_stored()
    response = browser.post("/testimonials/write/", form_data(bought, name_form="none"))
    assert response.status_code == 302
    assert testimonials.Testimonial.objects.get().display_name == ""


def test_p13_p19_a_card_number_in_the_text_is_masked_and_the_customer_told(browser, bought):
    text = "Paid with 4242 4242 4242 4242, arrived next day."
    response = browser.post("/testimonials/write/", form_data(bought, text=text), follow=True)
    stored = testimonials.Testimonial.objects.get().text
    assert stored == "Paid with •••• •••• •••• 4242, arrived next day."
    assert escape(MASKED_NOTICE) in response.content.decode()
    assert "4242 4242 4242 4242" not in response.content.decode()


# --- refusals: nothing stored -------------------------------------------------------------


def test_p19_someone_who_did_not_buy_is_refused(browser, place):
    other = VariantFactory(stock=5)
    place({other.pk: 1}, user=UserFactory())  # bought, but by someone else
    place({other.pk: 1})  # and by a guest with no account
    response = browser.post("/testimonials/write/", form_data(other.product))
    assert response.status_code == 400
    assert alerts(response) == [services.NOT_BOUGHT]
    assert nothing_stored()
    page = browser.get("/testimonials/write/").content.decode()
    assert "You can write a testimonial about a product once you have bought it" in page


def test_p19_a_cancelled_order_does_not_count_as_buying(browser, buyer, place, committed):
    variant = VariantFactory(stock=5)
    order = place({variant.pk: 1}, user=buyer)
    committed(change_status, order=order, to_status=OrderStatus.CANCELLED, acting_user=None)
    response = browser.post("/testimonials/write/", form_data(variant.product))
    assert response.status_code == 400
    assert alerts(response) == [services.NOT_BOUGHT]
    assert nothing_stored()


def test_p19_the_service_refuses_a_product_not_bought_whatever_the_form_said(submit, buyer):
    with pytest.raises(services.TestimonialError, match="only about a product you bought"):
        submit(ProductFactory())
    assert nothing_stored()


def test_p19_tampering_the_product_id_is_refused(browser, bought):
    not_bought = VariantFactory(stock=5).product
    for value in (str(not_bought.pk), "999999", "-1", "abc", ""):
        response = browser.post("/testimonials/write/", form_data(bought, product=value))
        assert response.status_code == 400, value
        assert nothing_stored()


@pytest.mark.parametrize("consent_value", [None, "", "false"])
def test_p19_a_post_without_the_consent_box_is_refused(browser, bought, consent_value):
    response = browser.post("/testimonials/write/", form_data(bought, consent=consent_value))
    assert response.status_code == 400
    assert services.NO_CONSENT in alerts(response)
    assert nothing_stored()


def test_p19_the_service_refuses_without_consent(submit, bought):
    with pytest.raises(services.TestimonialError) as refused:
        submit(bought, consent_given=False)
    assert str(refused.value) == services.NO_CONSENT
    assert nothing_stored()


def test_p19_consent_to_an_older_or_unknown_wording_is_refused(browser, bought):
    for version in ("0", "2", "x" * 30):
        response = browser.post("/testimonials/write/", form_data(bought, consent_version=version))
        assert response.status_code == 400, version
        assert nothing_stored()
    response = browser.post("/testimonials/write/", form_data(bought, consent_version="0"))
    assert alerts(response) == [services.STALE_WORDING]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("text", "Too short", "Ensure this value has at least 10 characters (it has 9)."),
        ("text", "x" * 1501, "Ensure this value has at most 1500 characters (it has 1501)."),
        ("rating", "6", "Select a valid choice. 6 is not one of the available choices."),
        ("rating", "0", "Select a valid choice. 0 is not one of the available choices."),
        ("name_form", "email", "Select a valid choice. email is not one of the available choices."),
        ("affiliation", "y" * 81, "Ensure this value has at most 80 characters (it has 81)."),
    ],
)
def test_p2_p19_bad_values_re_render_the_form_and_store_nothing(
    browser, bought, field, value, message
):
    response = browser.post("/testimonials/write/", form_data(bought, **{field: value}))
    assert response.status_code == 400
    assert alerts(response) == [message]
    assert nothing_stored()


def test_p19_the_service_checks_values_too(submit, bought):
    for overrides in ({"rating": 9}, {"text": " short "}, {"name_form": "x"}):
        with pytest.raises(services.TestimonialError):
            submit(bought, **overrides)
    assert nothing_stored()


def test_p2_rating_and_affiliation_are_optional(browser, bought):
    response = browser.post("/testimonials/write/", form_data(bought, rating="", affiliation=""))
    assert response.status_code == 302
    testimonial = testimonials.Testimonial.objects.get()
    assert (testimonial.rating, testimonial.affiliation) == (None, "")


def test_p19_signed_out_visitors_are_sent_to_sign_in(bought):
    response = Client().post("/testimonials/write/", form_data(bought))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert nothing_stored()


# --- double submits -----------------------------------------------------------------------


def test_p19_a_double_submit_makes_one_testimonial(browser, bought):
    first = browser.post("/testimonials/write/", form_data(bought))
    second = browser.post("/testimonials/write/", form_data(bought, text="Another ten chars."))
    assert first.status_code == second.status_code == 302
    assert testimonials.Testimonial.objects.get().text == TEXT
    assert testimonials.TestimonialConsent.objects.count() == 1
    page = browser.get("/testimonials/mine/").content.decode()
    assert "You already have a testimonial for this product" in page


def test_p19_the_database_allows_one_live_testimonial_per_customer_and_product(
    submit, buyer, bought
):
    """Two submits racing past the service's check: the constraint lets only one in."""
    from django.db import IntegrityError, transaction

    submit(bought)
    with pytest.raises(IntegrityError), transaction.atomic():
        testimonials.TestimonialConsent.objects.create(
            user=buyer, product=bought, name_form="none", wording_version="1", wording_sha256="0"
        )
    assert testimonials.TestimonialConsent.objects.count() == 1


def test_p19_a_race_lost_on_the_constraint_returns_the_winner(submit, bought, monkeypatch):
    winner = submit(bought)
    monkeypatch.setattr(services, "_live", _none_then(services._live))
    again = services.submit_testimonial(
        user=winner.consent.user,
        product_id=bought.pk,
        text="A different text here.",
        rating=None,
        name_form="none",
        affiliation="",
        consent_given=True,
        consent_version="1",
    )
    assert again.created is False and again.testimonial == winner
    assert testimonials.Testimonial.objects.count() == 1


def _none_then(real):
    """The first call finds nothing (as when the other submit has not committed yet)."""
    calls = []

    def fake(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    return fake


PROPERTY = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@PROPERTY
@given(
    product=st.one_of(any_text, st.integers().map(str)),
    text=any_text,
    rating=any_text,
    name_form=st.one_of(any_text, st.sampled_from(["full", "first_initial", "none"])),
    affiliation=any_text,
    consent_box=st.sampled_from([None, "on", "", "0"]),
    version=st.one_of(any_text, st.just("1")),
)
@example(  # a NUL is refused before the view (candor.core.bad_input)
    product="", text="", rating="", name_form="", affiliation="\x00", consent_box=None, version="1"
)
def test_p19_any_input_is_answered_with_a_redirect_or_a_reason_never_a_500(
    browser, bought, product, text, rating, name_form, affiliation, consent_box, version
):
    data = form_data(
        bought,
        product=product,
        text=text,
        rating=rating,
        name_form=name_form,
        affiliation=affiliation,
        consent=consent_box,
        consent_version=version,
    )
    response = browser.post("/testimonials/write/", data)
    assert response.status_code in (302, 400)
    if response.status_code == 400 and not refused_before_the_view(response, *data.values()):
        assert alerts(response)
    # Whatever came in, at most one live testimonial exists, and only for the bought product.
    assert set(testimonials.TestimonialConsent.objects.values_list("product_id", flat=True)) <= {
        bought.pk
    }
    assert testimonials.Testimonial.objects.count() <= 1

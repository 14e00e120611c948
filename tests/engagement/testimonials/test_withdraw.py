"""P19: the author withdraws consent from their account (/testimonials/mine/).

The testimonial leaves the site at once and its text is deleted (the row is deleted, not
blanked); the consent record keeps when consent was given and when it was withdrawn, as proof.
Nobody can withdraw, or otherwise touch, someone else's testimonial.
"""

import pytest
from django.test import Client
from django.utils import timezone

from candor.engagement.testimonials import models as testimonials
from candor.engagement.testimonials import services
from tests.factories import UserFactory

from .conftest import TEXT, form_data

pytestmark = pytest.mark.django_db


def test_p19_my_page_lists_my_testimonials_with_their_status(browser, publish, bought):
    publish(bought)
    html = browser.get("/testimonials/mine/").content.decode()
    assert TEXT in html and "Status: <strong>Published</strong>" in html
    assert "Withdraw consent and delete this testimonial" in html
    assert 'href="/testimonials/mine/"' in browser.get("/account/").content.decode()


def test_p19_withdrawal_deletes_the_text_and_keeps_the_consent_record(
    browser, publish, bought, django_capture_on_commit_callbacks
):
    testimonial = publish(bought)
    record = testimonial.consent
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/testimonials/mine/{record.pk}/withdraw/", follow=True)
    assert response.status_code == 200
    assert "Your consent is withdrawn" in response.content.decode()
    assert not testimonials.Testimonial.objects.exists()
    record.refresh_from_db()
    assert before <= record.withdrawn_at == record.ended_at <= timezone.now()
    assert record.given_at < record.withdrawn_at
    assert record.wording_version == "1" and len(record.wording_sha256) == 64
    # The text is nowhere in the database's rows for this app any more.
    kept = testimonials.TestimonialConsent.objects.values()[0]
    assert TEXT not in str(kept)
    html = response.content.decode()
    assert TEXT not in html
    assert "You withdrew your consent on" in html


def test_p19_withdrawing_twice_changes_nothing_more(browser, submit, bought):
    record = submit(bought).consent
    browser.post(f"/testimonials/mine/{record.pk}/withdraw/")
    record.refresh_from_db()
    first = record.withdrawn_at
    response = browser.post(f"/testimonials/mine/{record.pk}/withdraw/")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.withdrawn_at == first


def test_p19_someone_else_s_testimonial_cannot_be_withdrawn(publish, bought, buyer):
    testimonial = publish(bought)
    intruder = Client()
    intruder.force_login(UserFactory())
    response = intruder.post(f"/testimonials/mine/{testimonial.consent_id}/withdraw/")
    assert response.status_code == 404
    assert "No such testimonial in your account." in response.content.decode()
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.APPROVED
    assert testimonial.consent.withdrawn_at is None
    with pytest.raises(services.TestimonialNotFound):
        services.withdraw(user=UserFactory(), consent_id=testimonial.consent_id)


def test_p19_someone_else_s_testimonial_cannot_be_edited_through_the_form(publish, bought, place):
    """Posting the form for a product someone else praised makes nothing of theirs change."""
    theirs = publish(bought)
    intruder_user = UserFactory(first_name="Imran", last_name="X")
    intruder = Client()
    intruder.force_login(intruder_user)
    response = intruder.post("/testimonials/write/", form_data(bought, text="Replaced text!!"))
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.text == TEXT and theirs.display_name == "Ayesha S."
    assert testimonials.Testimonial.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_p19_withdrawal_takes_a_post_only(browser, submit, bought, method):
    record = submit(bought).consent
    response = getattr(browser, method)(f"/testimonials/mine/{record.pk}/withdraw/")
    assert response.status_code == 405
    record.refresh_from_db()
    assert record.withdrawn_at is None


def test_p19_signed_out_visitors_cannot_withdraw(submit, bought):
    record = submit(bought).consent
    response = Client().post(f"/testimonials/mine/{record.pk}/withdraw/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    record.refresh_from_db()
    assert record.withdrawn_at is None


def test_p19_after_withdrawing_the_customer_may_write_again(browser, submit, bought):
    record = submit(bought).consent
    browser.post(f"/testimonials/mine/{record.pk}/withdraw/")
    assert (
        'href="/testimonials/write/?product=' in browser.get("/testimonials/mine/").content.decode()
    )
    response = browser.post(
        "/testimonials/write/", form_data(bought, text="Second thoughts, still good.")
    )
    assert response.status_code == 302
    assert testimonials.TestimonialConsent.objects.count() == 2
    assert testimonials.Testimonial.objects.get().text == "Second thoughts, still good."

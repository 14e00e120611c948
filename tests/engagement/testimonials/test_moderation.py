"""P19: staff approve or reject testimonials in the back office; only approved ones with
consent in force are public. The services record who decided and when; staff cannot edit a
customer's words, add testimonials or delete them."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from candor.engagement.testimonials import models as testimonials
from candor.engagement.testimonials import services

from .conftest import TEXT

pytestmark = pytest.mark.django_db

LIST = "/backoffice/testimonials/testimonial/"


def act(client, action, testimonial, committed_callbacks):
    with committed_callbacks(execute=True):
        return client.post(
            LIST, {"action": action, "_selected_action": [testimonial.pk]}, follow=True
        )


def test_p19_staff_approve_and_the_decision_is_recorded(
    admin_client, admin_user, submit, bought, django_capture_on_commit_callbacks
):
    testimonial = submit(bought)
    before = timezone.now()
    response = act(admin_client, "approve", testimonial, django_capture_on_commit_callbacks)
    assert "Published: 1." in response.content.decode()
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.APPROVED
    assert testimonial.reviewed_by == admin_user
    assert before <= testimonial.reviewed_at <= timezone.now()
    assert TEXT in admin_client.get("/testimonials/").content.decode()


def test_p19_staff_reject_a_published_one_and_its_consent_ends(
    admin_client, admin_user, publish, bought, django_capture_on_commit_callbacks
):
    testimonial = publish(bought)
    response = act(admin_client, "reject", testimonial, django_capture_on_commit_callbacks)
    assert "Rejected: 1." in response.content.decode()
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.REJECTED
    assert testimonial.reviewed_by == admin_user
    assert testimonial.rejected_at == testimonial.reviewed_at
    assert testimonial.consent.ended_at == testimonial.rejected_at
    assert testimonial.consent.withdrawn_at is None
    assert TEXT not in admin_client.get("/testimonials/").content.decode()


def test_p19_a_rejected_testimonial_cannot_be_published(submit, bought, staff):
    testimonial = submit(bought)
    services.reject(testimonial=testimonial, acting_user=staff)
    with pytest.raises(services.TestimonialError, match="withdrawn or rejected"):
        services.approve(testimonial=testimonial, acting_user=staff)
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.REJECTED


def test_p19_a_withdrawn_testimonial_cannot_be_published_or_rejected(submit, buyer, bought, staff):
    testimonial = submit(bought)
    services.withdraw(user=buyer, consent_id=testimonial.consent_id)
    for service in (services.approve, services.reject):
        with pytest.raises(services.TestimonialError, match="withdrawn"):
            service(testimonial=testimonial, acting_user=staff)
    assert not testimonials.Testimonial.objects.exists()


def test_p19_approving_or_rejecting_twice_changes_nothing_more(submit, bought, staff):
    testimonial = submit(bought)
    first = services.approve(testimonial=testimonial, acting_user=staff)
    again = services.approve(testimonial=testimonial, acting_user=None)
    assert again.reviewed_at == first.reviewed_at and again.reviewed_by == staff
    rejected = services.reject(testimonial=testimonial, acting_user=staff)
    assert services.reject(testimonial=testimonial, acting_user=None).rejected_at == (
        rejected.rejected_at
    )


def test_p19_refusals_are_reported_per_testimonial_in_the_back_office(
    admin_client, submit, bought, staff, django_capture_on_commit_callbacks
):
    testimonial = submit(bought)
    services.reject(testimonial=testimonial, acting_user=staff)
    response = act(admin_client, "approve", testimonial, django_capture_on_commit_callbacks)
    assert "it cannot be published" in response.content.decode()
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.REJECTED


def test_p19_p15_moderating_needs_its_own_permission(client, mfa_login, staff, submit, bought):
    testimonial = submit(bought)
    staff.user_permissions.add(Permission.objects.get(codename="view_testimonial"))
    mfa_login(client, staff)
    page = client.get(LIST).content.decode()
    assert "Approve and publish" not in page
    client.post(LIST, {"action": "approve", "_selected_action": [testimonial.pk]})
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.PENDING

    staff.user_permissions.add(Permission.objects.get(codename="moderate_testimonial"))
    assert "Approve and publish" in client.get(LIST).content.decode()
    client.post(LIST, {"action": "approve", "_selected_action": [testimonial.pk]})
    testimonial.refresh_from_db()
    assert testimonial.status == testimonials.TestimonialStatus.APPROVED
    assert testimonial.reviewed_by == staff


def test_p15_p19_the_back_office_shows_what_moderation_needs_not_the_account(
    admin_client, submit, bought
):
    testimonial = submit(bought)
    page = admin_client.get(f"{LIST}{testimonial.pk}/change/").content.decode()
    assert TEXT in page and "Ayesha S." in page and bought.name in page
    assert "ayesha.private@example.com" not in page
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"{LIST}{testimonial.pk}/delete/").status_code == 403
    admin_client.post(f"{LIST}{testimonial.pk}/change/", {"text": "Staff rewrote it."})
    testimonial.refresh_from_db()
    assert testimonial.text == TEXT


def test_p19_consent_records_are_read_only_proof(admin_client, submit, bought):
    record = submit(bought).consent
    url = "/backoffice/testimonials/testimonialconsent/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"{url}{record.pk}/change/").status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{record.pk}/delete/").status_code == 403

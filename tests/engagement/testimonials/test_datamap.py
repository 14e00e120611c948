"""X1, P19: what testimonials keep is declared, and retention does what the map says.

The public receives exactly the displayed fields; the content relies on consent; a rejected
testimonial is deleted 90 days after the decision; consent records are kept 3 years after the
consent ends, then deleted; nothing live is aged out.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from candor.engagement.testimonials import models as testimonials
from candor.engagement.testimonials import services
from candor.privacy import datamap, retention
from candor.privacy.checks import check_data_map
from candor.privacy.datamap import Personal

from .conftest import TEXT, order_for


def _fields(label):
    return datamap.declarations()[label].fields


def test_x1_p19_the_public_receives_exactly_the_displayed_fields():
    public = {
        f"{label}.{name}"
        for label, name, spec in datamap.personal_fields()
        if label.startswith("testimonials.") and "public" in spec.recipients
    }
    assert public == {
        "testimonials.Testimonial.text",
        "testimonials.Testimonial.rating",
        "testimonials.Testimonial.display_name",
        "testimonials.Testimonial.affiliation",
    }


def test_x1_p19_testimonial_content_is_published_by_consent():
    fields = _fields("testimonials.Testimonial")
    text = fields["text"]
    assert isinstance(text, Personal)
    assert text.category == "content.testimonial"
    assert text.purposes == ("publication",) and text.basis == "consent"
    assert [(s.days, s.then, s.since) for s in text.retention] == [(90, "delete", "ended")]
    assert fields["display_name"].category == "identity.name"
    assert datamap.declarations()["testimonials.Testimonial"].age_field == "rejected_at"
    consent = datamap.declarations()["testimonials.TestimonialConsent"]
    assert consent.age_field == "ended_at"
    assert {(s.days, s.then) for spec in consent.fields.values() for s in spec.retention} == {
        (1095, "delete")
    }


def test_x1_the_testimonial_models_are_fully_declared():
    problems = [str(error) for error in check_data_map() if "testimonials." in str(error)]
    assert problems == []


@pytest.mark.django_db
def test_p19_retention_deletes_rejected_testimonials_after_90_days_and_nothing_live(
    submit, publish, bought, staff
):
    from tests.factories import UserFactory

    now = timezone.now()
    pending = submit(bought)
    others = []
    for name in ("Published", "Rejected", "Recent"):
        author = UserFactory(first_name=name)
        order_for(author, bought.variants.get())
        others.append(submit(bought, user=author))
    published, rejected, recent = others
    services.approve(testimonial=published, acting_user=staff)
    services.reject(testimonial=rejected, acting_user=staff)
    services.reject(testimonial=recent, acting_user=staff)
    testimonials.Testimonial.objects.filter(pk=rejected.pk).update(
        rejected_at=now - timedelta(days=91)
    )
    testimonials.Testimonial.objects.filter(pk=published.pk).update(
        created_at=now - timedelta(days=900), reviewed_at=now - timedelta(days=900)
    )

    report = retention.apply_retention(now=now)

    assert report.deleted["testimonials.Testimonial"] == 1
    assert set(testimonials.Testimonial.objects.values_list("pk", flat=True)) == {
        pending.pk,
        published.pk,
        recent.pk,
    }
    # The consent record of the deleted one stays (proof), until 3 years after it ended.
    assert testimonials.TestimonialConsent.objects.filter(pk=rejected.consent_id).exists()
    assert report.deleted["testimonials.TestimonialConsent"] == 0


@pytest.mark.django_db
def test_p19_consent_records_are_deleted_3_years_after_they_end(submit, buyer, bought):
    now = timezone.now()
    record = submit(bought).consent
    services.withdraw(user=buyer, consent_id=record.pk)
    live = submit(bought).consent  # written again after withdrawing
    testimonials.TestimonialConsent.objects.filter(pk__in=[record.pk, live.pk]).update(
        given_at=now - timedelta(days=2000)
    )
    testimonials.TestimonialConsent.objects.filter(pk=record.pk).update(
        withdrawn_at=now - timedelta(days=1094), ended_at=now - timedelta(days=1094)
    )
    assert retention.apply_retention(now=now).deleted["testimonials.TestimonialConsent"] == 0
    testimonials.TestimonialConsent.objects.filter(pk=record.pk).update(
        ended_at=now - timedelta(days=1096)
    )
    assert retention.apply_retention(now=now).deleted["testimonials.TestimonialConsent"] == 1
    assert list(testimonials.TestimonialConsent.objects.values_list("pk", flat=True)) == [live.pk]
    assert testimonials.Testimonial.objects.get().text == TEXT

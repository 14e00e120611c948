"""Testimonials (P19): what a buyer wrote, and the record of their consent to publish it.

Two rows, because they live for different times. The `Testimonial` holds the words and the name
shown; it is deleted the moment consent is withdrawn. The `TestimonialConsent` is the proof:
which wording was agreed to and when, and when it was withdrawn; it outlives the words.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

TEXT_MAX = 1500
TEXT_MIN = 10
AFFILIATION_MAX = 80
ANONYMOUS_NAME = "A customer"


class NameForm(models.TextChoices):
    FULL = "full", "Full name"
    FIRST_INITIAL = "first_initial", "First name and initial"
    NONE = "none", "No name"


class TestimonialConsent(models.Model):
    """A customer's consent to publish one testimonial about one product, kept as proof."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="testimonial_consents"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    name_form = models.CharField(max_length=20, choices=NameForm.choices)
    wording_version = models.CharField(max_length=20)
    wording_sha256 = models.CharField(max_length=64)
    given_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When the consent stopped being used: withdrawn, or the testimonial rejected. Retention
    # counts from here; a live consent has none, so it is never aged out.
    ended_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            # One live testimonial per customer and product: a double submit finds it taken.
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=Q(ended_at__isnull=True),
                name="one_live_testimonial_per_product",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(ended_at__isnull=False),
                name="withdrawn_consent_has_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk} (version {self.wording_version})"


class TestimonialStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    APPROVED = "approved", "Published"
    REJECTED = "rejected", "Not published"


class Testimonial(models.Model):
    """The words and the name shown; exists only while its consent does."""

    consent = models.OneToOneField(
        TestimonialConsent, on_delete=models.CASCADE, related_name="testimonial"
    )
    text = models.CharField(max_length=TEXT_MAX)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    # Computed from the account's name and the chosen form when submitted, so a later change
    # of name never shows more than the customer chose to show.
    display_name = models.CharField(max_length=160, blank=True)
    affiliation = models.CharField(max_length=AFFILIATION_MAX, blank=True)
    status = models.CharField(
        max_length=10, choices=TestimonialStatus.choices, default=TestimonialStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who last approved or rejected it.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Dates a rejected testimonial for the retention job (deleted 90 days later).
    rejected_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-reviewed_at"])]
        permissions = [("moderate_testimonial", "Can approve or reject testimonials")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="testimonial_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status="rejected", rejected_at__isnull=False)
                | (~Q(status="rejected") & Q(rejected_at__isnull=True)),
                name="testimonial_rejected_iff_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"Testimonial {self.pk}"

    @property
    def shown_name(self) -> str:
        return self.display_name or ANONYMOUS_NAME

    @property
    def stars(self) -> str:
        return "★" * (self.rating or 0) + "☆" * (5 - (self.rating or 0))

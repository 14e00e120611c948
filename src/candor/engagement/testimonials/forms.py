from django import forms

from . import consent as consent_wording
from .models import AFFILIATION_MAX, ANONYMOUS_NAME, TEXT_MAX, TEXT_MIN, NameForm
from .services import NO_CONSENT, NOT_BOUGHT, TestimonialError, display_name_for

RATINGS = [
    ("", "No rating"),
    (5, "5 – excellent"),
    (4, "4 – good"),
    (3, "3 – fair"),
    (2, "2 – poor"),
    (1, "1 – bad"),
]


class TestimonialForm(forms.Form):
    """What a testimonial asks for (P2, P19): the words, an optional rating and affiliation, how
    the name is shown, and consent to publish, whose wording is shown and versioned."""

    product = forms.TypedChoiceField(
        label="Product",
        coerce=int,
        error_messages={"invalid_choice": NOT_BOUGHT, "required": "Choose the product."},
    )
    text = forms.CharField(
        label="Your testimonial",
        min_length=TEXT_MIN,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Up to {TEXT_MAX} characters. Please leave out contact details.",
    )
    rating = forms.TypedChoiceField(
        label="Rating (optional)", choices=RATINGS, coerce=int, empty_value=None, required=False
    )
    name_form = forms.ChoiceField(
        label="Show my name as", choices=NameForm.choices, widget=forms.RadioSelect
    )
    affiliation = forms.CharField(
        label="Company or city (optional)",
        max_length=AFFILIATION_MAX,
        required=False,
        help_text="Shown with your testimonial; leave empty to show none.",
    )
    consent = forms.BooleanField(
        label=consent_wording.wording(), error_messages={"required": NO_CONSENT}
    )
    consent_version = forms.CharField(
        widget=forms.HiddenInput, initial=consent_wording.CURRENT_VERSION, max_length=20
    )

    def __init__(self, *args, user, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.pk, p.name) for p in products]
        # Each choice shows the customer exactly what will appear.
        self.fields["name_form"].choices = [
            (value, f"{label}: {_preview(user, value)}") for value, label in NameForm.choices
        ]

    def clean_text(self):
        return self.cleaned_data["text"].strip()


def _preview(user, name_form: str) -> str:
    if name_form == NameForm.NONE:
        return f"shown as “{ANONYMOUS_NAME}”"
    try:
        return display_name_for(user, name_form)
    except TestimonialError:
        return "add your name under Your details first"

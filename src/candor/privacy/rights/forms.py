from django import forms

from .models import DETAILS_MAX, EMAIL_MAX, RequestKind


class PublicRequestForm(forms.Form):
    """The public form (guests, anyone who cannot sign in): what, and which address."""

    kind = forms.ChoiceField(label="What are you asking for?", choices=RequestKind.choices)
    email = forms.EmailField(
        label="Email address",
        max_length=EMAIL_MAX,
        help_text="The address your orders, subscriptions or messages are under. We send a "
        "link to it to confirm the request is yours.",
    )
    name = forms.CharField(
        label="Corrected name (optional)",
        max_length=150,
        required=False,
        help_text="Only for a correction.",
    )
    phone = forms.CharField(
        label="Corrected phone number (optional)",
        max_length=30,
        required=False,
        help_text="Only for a correction.",
    )
    details = forms.CharField(
        label="Anything we should know (optional)",
        max_length=DETAILS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Reason (the requester is told)", max_length=1000, widget=forms.Textarea
    )

"""The support forms. Each carries an idempotency token, so a double submit posts once. Images
are judged by their content in two steps (see images.py): the header when the form is
validated, and the decoding (`decode_images`) only once the view has let the post through its
rate limit, so a post that is refused costs no decoding. The service gets clean images."""

import uuid

from django import forms
from django.contrib.auth import get_user_model

from . import queries
from .images import ACCEPT, MAX_FILES, ImageRefused, check_image, decode_image
from .models import BODY_MAX, FEEDBACK_MAX, NAME_MAX, SUBJECT_MAX

NO_SUCH_ORDER_FOR_CUSTOMER = "We could not find an order with this number in your account."
NO_SUCH_ORDER_FOR_GUEST = (
    "We could not find an order with this number for this email address. Check both, or "
    "leave the order number empty."
)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Up to MAX_FILES images, each a real JPEG, PNG or WebP of at most 5 MB and as many pixels
    as images.MAX_PIXELS_BY_KIND allows, judged by its header (images.check_image); cleaned to
    CheckedImage, not yet decoded."""

    widget = MultipleFileInput(attrs={"accept": ACCEPT})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", f"Photos (optional, up to {MAX_FILES}, 5 MB each)")
        kwargs.setdefault(
            "help_text",
            "JPEG (up to 25 megapixels), PNG or WebP (up to 12). We remove location and camera "
            "details from photos.",
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(f"Attach at most {MAX_FILES} images.")
        cleaned, errors = [], []
        for upload in uploads:
            super().clean(upload, initial)
            try:
                cleaned.append(check_image(upload))
            except ImageRefused as refused:
                errors.append(f"“{upload.name}” {refused}")
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class ImagesForm(forms.Form):
    """A form with an `images` field, decoded on demand after the rate limit."""

    def decode_images(self) -> bool:
        """Decode and re-encode the checked images (images.decode_image), replacing them in
        cleaned_data. False, with the reasons on the form, if one turns out damaged."""
        decoded, errors = [], []
        for checked in self.cleaned_data.get("images", []):
            try:
                decoded.append(decode_image(checked))
            except ImageRefused as refused:
                errors.append(f"“{checked.upload.name}” {refused}")
        if errors:
            self.add_error("images", errors)
            return False
        self.cleaned_data["images"] = decoded
        return True


def _token_field() -> forms.UUIDField:
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class ContactForm(ImagesForm):
    """P2: a guest gives a name and an address to answer; a customer is answered at their
    account's address. The order number is optional."""

    token = _token_field()
    name = forms.CharField(label="Your name", max_length=NAME_MAX)
    email = forms.EmailField(label="Your email address", max_length=254)
    subject = forms.CharField(max_length=SUBJECT_MAX)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=BODY_MAX)
    order_number = forms.CharField(label="Order number (optional)", max_length=20, required=False)
    images = ImagesField()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            del self.fields["email"]  # answered at the account's address
            self.fields["name"].initial = self.user.get_full_name()

    def clean(self):
        data = super().clean()
        data["order"] = None
        reference = data.get("order_number", "")
        if not reference:
            return data
        if self.user is not None:
            data["order"] = queries.order_for_reference(reference, user=self.user)
            if data["order"] is None:
                self.add_error("order_number", NO_SUCH_ORDER_FOR_CUSTOMER)
        elif data.get("email"):
            data["order"] = queries.order_for_reference(reference, email=data["email"])
            if data["order"] is None:
                self.add_error("order_number", NO_SUCH_ORDER_FOR_GUEST)
        return data


class ReplyForm(ImagesForm):
    token = _token_field()
    message = forms.CharField(
        label="Your reply", widget=forms.Textarea(attrs={"rows": 6}), max_length=BODY_MAX
    )
    images = ImagesField()


class FeedbackForm(forms.Form):
    message = forms.CharField(
        label="Tell us how we could do better",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=FEEDBACK_MAX,
    )


# --- the back office -----------------------------------------------------------------------


class AnswerForm(forms.Form):
    token = _token_field()
    body = forms.CharField(
        label="Answer (mailed to the customer)",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=BODY_MAX,
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Internal note (never shown to the customer)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=BODY_MAX,
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label="Nobody",
        label="Assign to",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
        )

from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField
from phonenumber_field.formfields import PhoneNumberField

from candor.accounts.models import Address
from candor.accounts.services import (
    MAX_ADDRESSES,
    AddressData,
    disabled_account_exists,
    find_same_address,
)
from candor.core.models import ShopSettings
from candor.core.postcodes import validate_postcode
from candor.orders.models import ShippingMethod

from .services import DISABLED_ACCOUNT

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postcode", "country")


class DetailsForm(forms.Form):
    """Step one: who the order is for and where it goes. Only what delivery needs is required."""

    email = forms.EmailField(help_text="For your order confirmation and delivery updates.")
    phone = PhoneNumberField(help_text="The courier calls this number to arrange delivery.")
    shipping_name = forms.CharField(label="Full name", max_length=150)
    shipping_line1 = forms.CharField(label="Address", max_length=200)
    shipping_line2 = forms.CharField(
        label="Address line 2 (optional)", max_length=200, required=False
    )
    shipping_city = forms.CharField(label="City", max_length=100)
    shipping_postcode = forms.CharField(label="Postcode (optional)", max_length=20, required=False)
    shipping_country = LazyTypedChoiceField(label="Country", choices=countries)
    billing_same_as_shipping = forms.BooleanField(
        label="Bill to the same address", required=False, initial=True
    )
    billing_name = forms.CharField(label="Full name", max_length=150, required=False)
    billing_line1 = forms.CharField(label="Address", max_length=200, required=False)
    billing_line2 = forms.CharField(
        label="Address line 2 (optional)", max_length=200, required=False
    )
    billing_city = forms.CharField(label="City", max_length=100, required=False)
    billing_postcode = forms.CharField(label="Postcode (optional)", max_length=20, required=False)
    billing_country = LazyTypedChoiceField(
        label="Country", choices=[("", "—"), *countries], required=False
    )

    AUTOCOMPLETE = {
        "email": "email",
        "phone": "tel",
        "shipping_name": "shipping name",
        "shipping_line1": "shipping address-line1",
        "shipping_line2": "shipping address-line2",
        "shipping_city": "shipping address-level2",
        "shipping_postcode": "shipping postal-code",
        "shipping_country": "shipping country",
        "billing_name": "billing name",
        "billing_line1": "billing address-line1",
        "billing_line2": "billing address-line2",
        "billing_city": "billing address-level2",
        "billing_postcode": "billing postal-code",
        "billing_country": "billing country",
    }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        for name, hint in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = hint
        # Numbers without a country code are read as the shop's country's; the field is
        # rebuilt so its error message gives an example from that country too.
        region = ShopSettings.load().country.code
        self.fields["phone"] = PhoneNumberField(
            region=region,
            help_text=self.fields["phone"].help_text,
            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        )
        if not self.is_bound:
            self.fields["shipping_country"].initial = region
        if self.user is not None:
            # P3: a signed-in customer orders under their account's email address; whatever is
            # posted for it is ignored (a disabled field keeps its initial value).
            self.initial["email"] = self.user.email
            self.fields["email"].disabled = True
            self.fields[
                "email"
            ].help_text = "Your account's email address, for the confirmation and delivery updates."
            self.fields["save_address"] = forms.BooleanField(
                label="Save this delivery address to my address book",
                required=False,
            )

    def clean_email(self):
        email = self.cleaned_data["email"]
        if self.user is None and disabled_account_exists(email):
            raise forms.ValidationError(DISABLED_ACCOUNT)
        return email

    def clean(self):
        cleaned = super().clean()
        for prefix in ("shipping", "billing"):
            code = cleaned.get(f"{prefix}_country")
            postcode = cleaned.get(f"{prefix}_postcode")
            if code and postcode:
                try:
                    cleaned[f"{prefix}_postcode"] = validate_postcode(postcode, code)
                except forms.ValidationError as error:
                    self.add_error(f"{prefix}_postcode", error)
        if cleaned.get("billing_same_as_shipping"):
            for field in ADDRESS_FIELDS:
                cleaned[f"billing_{field}"] = ""
        else:
            for field in ("name", "line1", "city", "country"):
                if not cleaned.get(f"billing_{field}") and f"billing_{field}" not in self.errors:
                    self.add_error(f"billing_{field}", "Required when billing to another address.")
        if cleaned.get("save_address") and self.user is not None and not self.errors:
            data = self.shipping_address()
            full = Address.objects.filter(owner=self.user).count() >= MAX_ADDRESSES
            if full and find_same_address(owner=self.user, data=data) is None:
                self.add_error(
                    "save_address",
                    f"Your address book is full ({MAX_ADDRESSES} addresses); untick this box "
                    "or delete an address in your account first.",
                )
        return cleaned

    def shipping_address(self) -> AddressData:
        data = self.cleaned_data
        return AddressData(
            name=data["shipping_name"],
            line1=data["shipping_line1"],
            line2=data["shipping_line2"],
            city=data["shipping_city"],
            postcode=data["shipping_postcode"],
            country=data["shipping_country"],
        )

    def session_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["phone"] = data["phone"].as_e164
        return data


class ReviewForm(forms.Form):
    """Step two: how it ships and how it is paid, plus an optional note."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    cart_digest = forms.CharField(max_length=64, widget=forms.HiddenInput)
    shipping_method = forms.ModelChoiceField(
        queryset=ShippingMethod.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": "That shipping method does not deliver to your country."},
    )
    payment_method = forms.ChoiceField(widget=forms.RadioSelect)
    note = forms.CharField(
        label="Order note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Delivery instructions, for example. Never write card numbers here.",
    )

    def __init__(self, *args, shipping_methods, payment_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].queryset = ShippingMethod.objects.filter(
            pk__in=[m.pk for m in shipping_methods]
        )
        self.fields["payment_method"].choices = payment_choices
        if len(shipping_methods) == 1:
            self.fields["shipping_method"].initial = shipping_methods[0].pk
        if len(payment_choices) == 1:
            self.fields["payment_method"].initial = payment_choices[0][0]

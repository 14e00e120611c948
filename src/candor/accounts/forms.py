from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField
from phonenumber_field.formfields import PhoneNumberField

from candor.core.models import ShopSettings
from candor.core.postcodes import validate_postcode

from .services import AddressData


def shop_phone_field(*, label: str, help_text: str = "") -> PhoneNumberField:
    """An optional phone field reading numbers without a country code as the shop's country's
    (as checkout does), so its error message gives an example from that country too."""
    return PhoneNumberField(
        label=label,
        required=False,
        region=ShopSettings.load().country.code,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label="First name (optional)", max_length=150, required=False)
    last_name = forms.CharField(label="Last name (optional)", max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"] = shop_phone_field(
            label="Phone (optional)",
            help_text="Offered at checkout so you need not type it again.",
        )
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"


class AddressForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=150)
    line1 = forms.CharField(label="Address", max_length=200)
    line2 = forms.CharField(label="Address line 2 (optional)", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100)
    postcode = forms.CharField(label="Postcode (optional)", max_length=20, required=False)
    country = LazyTypedChoiceField(label="Country", choices=countries)

    AUTOCOMPLETE = {
        "name": "name",
        "line1": "address-line1",
        "line2": "address-line2",
        "city": "address-level2",
        "postcode": "postal-code",
        "country": "country",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"] = shop_phone_field(
            label="Phone (optional)", help_text="For the courier, if it differs from yours."
        )
        for name, hint in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = hint
        if not self.is_bound and not self.initial.get("country"):
            self.fields["country"].initial = ShopSettings.load().country.code

    def clean(self):
        cleaned = super().clean()
        code, postcode = cleaned.get("country"), cleaned.get("postcode")
        if code and postcode:
            try:
                cleaned["postcode"] = validate_postcode(postcode, code)
            except forms.ValidationError as error:
                self.add_error("postcode", error)
        return cleaned

    def address_data(self) -> AddressData:
        data = self.cleaned_data
        return AddressData(
            name=data["name"],
            line1=data["line1"],
            line2=data["line2"],
            city=data["city"],
            postcode=data["postcode"],
            country=data["country"],
            phone=data["phone"].as_e164 if data["phone"] else "",
        )


class DisableAccountForm(forms.Form):
    """The confirmation: the password again, or for an account without one (social sign-in
    only) the account's email address typed out."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"] = forms.CharField(
                label="Your password",
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        else:
            self.fields["email"] = forms.CharField(
                label="Type your email address to confirm",
                max_length=254,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.lower() != self.user.email.lower():
            raise forms.ValidationError("That is not the email address of this account.")
        return email

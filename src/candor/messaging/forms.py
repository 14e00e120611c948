from django import forms


class EmailForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

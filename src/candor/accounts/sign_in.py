"""Our versions of two of allauth's views, for what they answer when a limit is reached (P14).

- Sign-in: a refusal for too many failed attempts (AccountAdapter.pre_authenticate) is the
  form again with allauth's message, answered 429 Too Many Requests rather than 200.
- Password reset mails the address typed in, so it shares the limits of the other forms that
  mail a typed-in address (candor.messaging.mail_limits) on top of allauth's own.

Both are mounted at allauth's own paths and names, before allauth's URLs (candor/urls.py).
"""

from allauth.account import views as allauth_views
from django.http import HttpResponse

from candor.messaging import mail_limits

TOO_MANY = "too_many_login_attempts"


class LoginView(allauth_views.LoginView):
    def form_invalid(self, form) -> HttpResponse:
        response = super().form_invalid(form)
        if any(error.code == TOO_MANY for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


class PasswordResetView(allauth_views.PasswordResetView):
    def form_valid(self, form) -> HttpResponse:
        refusal = mail_limits.check(self.request, form.cleaned_data["email"])
        if refusal is not None:
            return mail_limits.refused_page(self.request, refusal, back=self.request.path)
        return super().form_valid(form)


login = LoginView.as_view()
password_reset = PasswordResetView.as_view()

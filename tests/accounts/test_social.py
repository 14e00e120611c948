"""Social sign-in with Google and Facebook through allauth's real flow (P4).

Each test starts at our provider login page, follows the redirect to the provider's authorize
address (whose scopes are checked), comes back to our callback with a code and the state, and
lets allauth exchange the code. The providers' token and profile endpoints are stubbed with
`responses`; nothing else may be called (an unexpected request fails the test), and the network
is blocked anyway.

Google: allauth reads the profile from the id_token in the token response. That token came to us
straight from Google over TLS, so allauth checks its issuer, audience and expiry but, as OpenID
Connect allows, not its signature: Google's certificates are never fetched (the stub would fail
if they were). The token is still signed here with a freshly generated RSA key, as Google does.
"""

import hashlib
import hmac
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from responses import matchers

from candor.messaging.models import MailClass, OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

GOOGLE_CLIENT_ID = "1234-candor.apps.googleusercontent.com"
GOOGLE_SECRET = "google-secret"
GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"
GOOGLE_UID = "108204268033311374519"

FACEBOOK_APP_ID = "987654321"
FACEBOOK_SECRET = "facebook-secret"
FACEBOOK_AUTHORIZE = "https://www.facebook.com/v19.0/dialog/oauth"
FACEBOOK_TOKEN = "https://graph.facebook.com/v19.0/oauth/access_token"
FACEBOOK_ME = "https://graph.facebook.com/v19.0/me"
FACEBOOK_UID = "10158812345678901"
CALLBACK = "http://testserver/accounts/{provider}/login/callback/"


@pytest.fixture
def google_app(db):
    """Google configured from the back office (allauth's Social application admin)."""
    return SocialApp.objects.create(
        provider="google", name="Google", client_id=GOOGLE_CLIENT_ID, secret=GOOGLE_SECRET
    )


@pytest.fixture
def facebook_app(settings):
    """Facebook configured from settings (FACEBOOK_APP_ID / FACEBOOK_APP_SECRET)."""
    providers = {key: dict(value) for key, value in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["facebook"]["APPS"] = [
        {"client_id": FACEBOOK_APP_ID, "secret": FACEBOOK_SECRET, "key": ""}
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers


def start(client, provider: str) -> tuple[str, dict[str, list[str]]]:
    """Open our sign-in page for the provider, press Continue; return where we are sent."""
    page = client.get(f"/accounts/{provider}/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="post"' in html  # a bare GET starts nothing
    assert "will tell us your name, your email address and your" in html
    response = client.post(f"/accounts/{provider}/login/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return f"{location.scheme}://{location.netloc}{location.path}", parse_qs(location.query)


def google_id_token(**claims) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    payload = {
        "iss": "https://accounts.google.com",
        "aud": GOOGLE_CLIENT_ID,
        "azp": GOOGLE_CLIENT_ID,
        "sub": GOOGLE_UID,
        "email": "zara.ahmed@gmail.com",
        "email_verified": True,
        "name": "Zara Ahmed",
        "given_name": "Zara",
        "family_name": "Ahmed",
        "picture": "https://lh3.googleusercontent.com/a/photo",
        "locale": "en",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "test-key-1"})


def google_round_trip(client, *, id_token: str) -> tuple:
    """The whole Google flow; returns (callback response, token request form)."""
    authorize, query = start(client, "google")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as provider:
        token_call = provider.post(
            GOOGLE_TOKEN,
            json={
                "access_token": "ya29.google-access-token",
                "expires_in": 3599,
                "id_token": id_token,
                "scope": "openid https://www.googleapis.com/auth/userinfo.profile "
                "https://www.googleapis.com/auth/userinfo.email",
                "token_type": "Bearer",
            },
        )
        callback = client.get(
            "/accounts/google/login/callback/",
            {"code": "4/0google-code", "state": query["state"][0]},
        )
        sent = parse_qs(token_call.calls[0].request.body)
    return callback, sent, authorize, query


# --- Google ---------------------------------------------------------------------------------


def test_p4_google_asks_only_for_basic_profile_scopes(client, google_app):
    """P4: the authorization request names exactly openid, profile and email."""
    authorize, query = start(client, "google")
    assert authorize == GOOGLE_AUTHORIZE
    assert len(query["scope"]) == 1
    assert sorted(query["scope"][0].split(" ")) == ["email", "openid", "profile"]
    assert query["client_id"] == [GOOGLE_CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK.format(provider="google")]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert len(query["state"][0]) >= 12


def test_p4_google_sign_up_creates_a_verified_account_with_basic_profile(client, google_app):
    """P4: a first Google sign-in creates the account with the name and email Google gives,
    the provider id as the social account's uid, the address marked verified because Google
    says so, and stores nothing beyond the basic profile; the customer is signed in."""
    callback, sent, _, _ = google_round_trip(client, id_token=google_id_token())
    assert callback.status_code == 302 and callback["Location"] == "/"

    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == (
        "zara.ahmed@gmail.com",
        "Zara",
        "Ahmed",
    )
    assert not user.has_usable_password()
    account = SocialAccount.objects.get()
    assert (account.provider, account.uid, account.user) == ("google", GOOGLE_UID, user)
    assert set(account.extra_data) == {
        "sub",
        "email",
        "email_verified",
        "name",
        "given_name",
        "family_name",
    }
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("zara.ahmed@gmail.com", True)
    ]
    assert client.session["_auth_user_id"] == str(user.pk)
    # The code was exchanged with our credentials, the callback address and the PKCE verifier.
    assert sent["code"] == ["4/0google-code"]
    assert sent["client_id"] == [GOOGLE_CLIENT_ID]
    assert sent["redirect_uri"] == [CALLBACK.format(provider="google")]
    assert len(sent["code_verifier"][0]) >= 43


def test_p4_google_verified_email_signs_in_to_the_existing_account(client, google_app):
    """P4: a Google-verified address matching an account with that verified address signs in
    to it and links Google to it; no second account."""
    existing = UserFactory(email="zara.ahmed@gmail.com", first_name="Zara")
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)
    callback, _, _, _ = google_round_trip(client, id_token=google_id_token())
    assert callback.status_code == 302
    assert User.objects.count() == 1
    assert client.session["_auth_user_id"] == str(existing.pk)
    assert SocialAccount.objects.get().user == existing
    existing.refresh_from_db()
    assert existing.check_password("correct horse battery")  # a verified owner keeps it


def test_p4_google_unverified_email_does_not_take_over_an_account(client, google_app):
    """P4: when Google does not vouch for the address, an existing account with that address
    is not signed in to; nobody is signed in and no second account is made."""
    existing = UserFactory(email="zara.ahmed@gmail.com")
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)
    callback, _, _, _ = google_round_trip(client, id_token=google_id_token(email_verified=False))
    assert callback.status_code == 302
    assert callback["Location"] == "/accounts/confirm-email/"
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 0
    assert "_auth_user_id" not in client.session
    assert OutboxMessage.objects.get().subject == "Account Already Exists"


def test_p4_google_callback_with_a_forged_state_is_refused(client, google_app):
    """P4: a callback whose state this session was not given is refused; nothing is created
    and Google's token endpoint is never called."""
    start(client, "google")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as provider:
        token_call = provider.post(GOOGLE_TOKEN, json={})
        response = client.get(
            "/accounts/google/login/callback/", {"code": "4/0google-code", "state": "forged"}
        )
        assert token_call.call_count == 0
    assert response.status_code == 401
    assert "Third-Party Login Failure" in response.content.decode()
    assert User.objects.count() == 0 and SocialAccount.objects.count() == 0


def test_p4_google_id_token_for_another_app_is_refused(client, google_app):
    """P4: an id_token issued to another client (wrong audience) signs nobody in."""
    callback, _, _, _ = google_round_trip(client, id_token=google_id_token(aud="someone-else"))
    assert callback.status_code == 401
    assert "Third-Party Login Failure" in callback.content.decode()
    assert User.objects.count() == 0 and SocialAccount.objects.count() == 0


def test_p4_google_configured_from_environment_settings(client, settings):
    """P4: GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET in settings configure the app as well."""
    providers = {key: dict(value) for key, value in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["google"]["APPS"] = [
        {"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_SECRET, "key": ""}
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    _, query = start(client, "google")
    assert query["client_id"] == [GOOGLE_CLIENT_ID]


def test_p4_sign_in_page_offers_configured_providers_only(client, google_app):
    """P4: the sign-in page lists Google (configured) as a plain link, not Facebook."""
    html = client.get("/accounts/login/").content.decode()
    assert '<a class="button" href="/accounts/google/login/?process=login">' in html
    assert "Continue with Google" in html
    assert "Facebook" not in html
    assert "connect.facebook.net" not in html  # no third-party script (P10)


# --- Facebook -------------------------------------------------------------------------------


def test_p4_facebook_asks_only_for_email_and_public_profile(client, facebook_app):
    """P4: the authorization request names exactly email and public_profile."""
    authorize, query = start(client, "facebook")
    assert authorize == FACEBOOK_AUTHORIZE
    assert len(query["scope"]) == 1
    assert sorted(query["scope"][0].split(",")) == ["email", "public_profile"]
    assert query["client_id"] == [FACEBOOK_APP_ID]
    assert query["redirect_uri"] == [CALLBACK.format(provider="facebook")]


def test_p4_facebook_sign_up_reads_basic_fields_and_verifies_the_email_itself(client, facebook_app):
    """P4: Facebook's profile is read with only id, email, name, first_name and last_name; the
    account gets that name and email and the Facebook id as uid. Facebook does not vouch for
    the address, so it stays unverified until our own (transactional) mail is followed."""
    _, query = start(client, "facebook")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as provider:
        provider.get(
            FACEBOOK_TOKEN,
            match=[
                matchers.query_param_matcher(
                    {
                        "client_id": FACEBOOK_APP_ID,
                        "client_secret": FACEBOOK_SECRET,
                        "code": "fb-code",
                        "redirect_uri": CALLBACK.format(provider="facebook"),
                        "grant_type": "authorization_code",
                    }
                )
            ],
            json={"access_token": "fb-access-token", "token_type": "bearer", "expires_in": 5183944},
        )
        proof = hmac.new(FACEBOOK_SECRET.encode(), b"fb-access-token", hashlib.sha256).hexdigest()
        provider.get(
            FACEBOOK_ME,
            match=[
                matchers.query_param_matcher(
                    {
                        "fields": "id,email,name,first_name,last_name",
                        "access_token": "fb-access-token",
                        "appsecret_proof": proof,
                    }
                )
            ],
            json={
                "id": FACEBOOK_UID,
                "email": "omar.farooq@example.com",
                "name": "Omar Farooq",
                "first_name": "Omar",
                "last_name": "Farooq",
            },
        )
        callback = client.get(
            "/accounts/facebook/login/callback/", {"code": "fb-code", "state": query["state"][0]}
        )
    assert callback.status_code == 302
    assert callback["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == (
        "omar.farooq@example.com",
        "Omar",
        "Farooq",
    )
    account = SocialAccount.objects.get()
    assert (account.provider, account.uid, account.user) == ("facebook", FACEBOOK_UID, user)
    assert set(account.extra_data) == {"id", "email", "name", "first_name", "last_name"}
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("omar.farooq@example.com", False)
    ]
    assert "_auth_user_id" not in client.session
    message = OutboxMessage.objects.get()
    assert (message.to_email, message.subject, message.mail_class) == (
        "omar.farooq@example.com",
        "Please Confirm Your Email Address",
        MailClass.TRANSACTIONAL,
    )


def test_p4_facebook_never_signs_in_to_an_existing_account_by_email(client, facebook_app):
    """P4: an existing account with the same address is not signed in to from Facebook (it
    does not verify addresses); no account is created and nobody is signed in."""
    existing = UserFactory(email="omar.farooq@example.com")
    EmailAddress.objects.create(user=existing, email=existing.email, verified=True, primary=True)
    _, query = start(client, "facebook")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as provider:
        provider.get(FACEBOOK_TOKEN, json={"access_token": "fb-access-token", "expires_in": 60})
        provider.get(
            FACEBOOK_ME,
            json={
                "id": FACEBOOK_UID,
                "email": "omar.farooq@example.com",
                "name": "Omar Farooq",
                "first_name": "Omar",
                "last_name": "Farooq",
            },
        )
        callback = client.get(
            "/accounts/facebook/login/callback/", {"code": "fb-code", "state": query["state"][0]}
        )
    assert callback.status_code == 302
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 0
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/google/login/",
        "/accounts/google/login/callback/",
        "/accounts/facebook/login/",
        "/accounts/facebook/login/token/",
    ],
)
def test_p4_a_provider_that_is_not_set_up_is_404_not_an_error(client, settings, path):
    """P4: without credentials (environment or back office) the provider's addresses say the
    sign-in is not set up (they were a 500: SocialApp.DoesNotExist)."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        name: {k: v for k, v in conf.items() if k != "APPS"}
        for name, conf in settings.SOCIALACCOUNT_PROVIDERS.items()
    }
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 404
    assert "This way of signing in is not set up in this shop." in response.content.decode()

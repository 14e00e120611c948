"""P3: the signed-in customer's details page (/account/): name and phone, both optional."""

import re

import pytest
from django.test import Client

from candor.accounts.models import User
from candor.core.models import ShopSettings

pytestmark = pytest.mark.django_db

BAD_PHONE = (
    "Enter a valid phone number (e.g. (021) 23456789) or a number with an international call "
    "prefix."
)


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


def test_p3_account_pages_need_sign_in(client):
    """P3: every page of the account sends a visitor to sign in first."""
    for path in (
        "/account/",
        "/account/addresses/",
        "/account/addresses/add/",
        "/account/disable/",
        "/account/orders/",
        "/account/orders/attach/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}", path


def test_p3_profile_shows_and_saves_name_and_phone(signed_in, customer_user):
    """P3: the customer edits their name and phone; a local number is read in the shop's
    country and stored in international form."""
    page = signed_in.get("/account/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Signed in as <strong>ayesha@example.com</strong>" in html
    assert 'value="Ayesha"' in html
    assert "Phone (optional)" in html

    response = signed_in.post(
        "/account/", {"first_name": " Sana ", "last_name": "Mir", "phone": "0300 1234567"}
    )
    assert (response.status_code, response["Location"]) == (302, "/account/")
    user = User.objects.get(pk=customer_user.pk)
    assert (user.first_name, user.last_name, user.phone.as_e164) == ("Sana", "Mir", "+923001234567")
    assert "Your details were saved." in signed_in.get("/account/").content.decode()


def test_p2_p3_name_and_phone_may_be_left_empty(signed_in, customer_user):
    """P2: nothing on the profile is required."""
    customer_user.phone = "+923001234567"
    customer_user.save()
    response = signed_in.post("/account/", {"first_name": "", "last_name": "", "phone": ""})
    assert response.status_code == 302
    user = User.objects.get(pk=customer_user.pk)
    assert (user.first_name, user.last_name, str(user.phone)) == ("", "", "")


def test_p3_bad_phone_re_renders_with_the_error_and_changes_nothing(signed_in, customer_user):
    """P3: a bad number is refused next to the field, with an example from the shop's country."""
    ShopSettings.load()
    response = signed_in.post(
        "/account/", {"first_name": "Changed", "last_name": "Khan", "phone": "12"}
    )
    assert response.status_code == 400
    assert alerts(response) == [BAD_PHONE]
    user = User.objects.get(pk=customer_user.pk)
    assert (user.first_name, str(user.phone)) == ("Ayesha", "")


def test_p3_overlong_name_is_refused(signed_in, customer_user):
    response = signed_in.post("/account/", {"first_name": "x" * 151, "last_name": "", "phone": ""})
    assert response.status_code == 400
    assert alerts(response) == ["Ensure this value has at most 150 characters (it has 151)."]
    assert User.objects.get(pk=customer_user.pk).first_name == "Ayesha"


def test_p3_profile_page_queries_are_pinned(signed_in, django_assert_num_queries):
    """Session, user, the header's cart count. Measured on a second visit, as in a running
    shop: what every page caches (shop settings, banners) is warm by then."""
    signed_in.get("/account/")
    with django_assert_num_queries(3):
        response = signed_in.get("/account/")
    assert response.status_code == 200


def test_p3_a_signed_out_client_sees_nothing_of_the_profile(customer_user):
    response = Client().get("/account/")
    assert response.status_code == 302
    assert "ayesha@example.com" not in response.content.decode()

"""P19: only approved testimonials with consent in force are public, and they show only what
the author chose: the shown name, the affiliation, the text and the rating. Never the email,
the phone, or a surname the chosen form leaves out.

Public pages: /testimonials/, /testimonials/product/<slug>/ and the product page; all three are
served from the page cache to visitors without a session, and a change to what they show is
visible at once.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candor.accounts.services import disable_account
from candor.campaigns.services import active_announcements
from candor.core.models import ShopSettings
from candor.engagement.testimonials import models as testimonials
from candor.engagement.testimonials import services
from tests.factories import UserFactory, VariantFactory

from .conftest import EMAIL, PHONE, SURNAME, TEXT, order_for

pytestmark = pytest.mark.django_db


def public_pages(product) -> dict[str, str]:
    """Each public page as an anonymous visitor sees it."""
    visitor = Client()
    pages = {
        "list": visitor.get("/testimonials/"),
        "product list": visitor.get(f"/testimonials/product/{product.slug}/"),
        "product page": visitor.get(product.get_absolute_url()),
    }
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    return {name: page.content.decode() for name, page in pages.items()}


def test_p19_an_approved_testimonial_is_shown_on_every_public_page(publish, bought):
    publish(bought, rating=4)
    for name, html in public_pages(bought).items():
        assert TEXT in html, name
        assert "— Ayesha S., Lahore" in html, name
        assert "Rated 4 out of 5" in html and "★★★★☆" in html, name
    assert (
        f'on <a href="{bought.get_absolute_url()}">{bought.name}</a>'
        in public_pages(bought)["list"]
    )


@pytest.mark.parametrize(
    ("name_form", "shown", "absent"),
    [
        ("first_initial", "— Ayesha S., Lahore", [EMAIL, PHONE, "3331112223", SURNAME]),
        ("none", "— A customer, Lahore", [EMAIL, PHONE, "3331112223", SURNAME, "Ayesha"]),
        ("full", "— Ayesha Siddiqui, Lahore", [EMAIL, PHONE, "3331112223"]),
    ],
)
def test_p19_public_pages_show_only_the_chosen_name_never_contact_details(
    publish, bought, name_form, shown, absent
):
    publish(bought, name_form=name_form)
    for name, html in public_pages(bought).items():
        assert shown in html, name
        for value in absent:
            assert value not in html, (name, value)


def test_p19_awaiting_review_or_rejected_is_not_public(submit, bought, staff, committed):
    testimonial = submit(bought)
    assert all(TEXT not in html for html in public_pages(bought).values())
    committed(services.reject, testimonial=testimonial, acting_user=staff)
    assert all(TEXT not in html for html in public_pages(bought).values())


def test_p19_p20_a_disabled_or_restricted_account_is_not_shown(publish, buyer, bought, committed):
    publish(bought)
    buyer.processing_restricted = True
    buyer.save()
    assert all(TEXT not in html for html in public_pages(bought).values())
    buyer.processing_restricted = False
    buyer.save()
    committed(disable_account, user=buyer, acting_user=None)
    assert all(TEXT not in html for html in public_pages(bought).values())


def test_p19_the_published_query_checks_consent_as_well_as_status(publish, bought):
    """Belt and braces: even an approved row whose consent has ended is never public."""
    from django.utils import timezone

    testimonial = publish(bought)
    testimonials.TestimonialConsent.objects.filter(pk=testimonial.consent_id).update(
        ended_at=timezone.now()
    )
    assert all(TEXT not in html for html in public_pages(bought).values())


def test_p19_the_product_page_shows_the_three_newest_and_links_to_the_rest(publish, buyer, bought):
    publish(bought)
    for i in range(3):
        other = UserFactory(first_name=f"Buyer{i}", last_name="Z")
        order_for(other, bought.variants.get())
        publish(bought, user=other, text=f"Testimonial number {i}.")
    html = Client().get(bought.get_absolute_url()).content.decode()
    assert [f"Testimonial number {i}." in html for i in range(3)] == [True, True, True]
    assert TEXT not in html  # the oldest is on the product's own list
    assert f'<a href="/testimonials/product/{bought.slug}/">All testimonials' in html
    assert TEXT in Client().get(f"/testimonials/product/{bought.slug}/").content.decode()


def test_p19_text_is_escaped_never_markup(publish, bought):
    publish(bought, text="<script>alert('x')</script> great phone", affiliation="<b>Acme</b>")
    for html in public_pages(bought).values():
        assert "<script>alert" not in html and "<b>Acme</b>" not in html
        assert "&lt;script&gt;" in html and "&lt;b&gt;Acme&lt;/b&gt;" in html


def test_p19_an_inactive_or_unknown_product_has_no_testimonial_page(publish, bought):
    publish(bought)
    bought.is_active = False
    bought.save()
    assert Client().get(f"/testimonials/product/{bought.slug}/").status_code == 404
    assert Client().get("/testimonials/product/no-such-phone/").status_code == 404
    assert TEXT not in Client().get("/testimonials/").content.decode()


# --- the page cache -------------------------------------------------------------------------


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30
    ShopSettings.load()  # a running shop: creating the settings row would clear the cache


@pytest.mark.parametrize("path", ["product page", "/testimonials/", "product list"])
def test_p19_withdrawal_removes_it_from_cached_pages_at_once(
    page_cache_on,
    publish,
    bought,
    browser,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    path,
):
    url = {
        "product page": bought.get_absolute_url(),
        "product list": f"/testimonials/product/{bought.slug}/",
    }.get(path, path)
    testimonial = publish(bought)
    assert TEXT in Client().get(url).content.decode()
    with django_assert_num_queries(0):  # now served from the cache
        assert TEXT in Client().get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/testimonials/mine/{testimonial.consent_id}/withdraw/")
    assert TEXT not in Client().get(url).content.decode()


def test_p19_approval_shows_it_on_cached_pages_at_once(
    page_cache_on, submit, bought, staff, committed
):
    testimonial = submit(bought)
    url = bought.get_absolute_url()
    assert TEXT not in Client().get(url).content.decode()
    committed(services.approve, testimonial=testimonial, acting_user=staff)
    assert TEXT in Client().get(url).content.decode()
    committed(services.reject, testimonial=testimonial, acting_user=staff)
    assert TEXT not in Client().get(url).content.decode()


# --- pinned query counts --------------------------------------------------------------------


@pytest.fixture
def running_shop(db):
    ShopSettings.load()
    active_announcements()


def published_many(n: int, bought, publish) -> None:
    variant = bought.variants.get()
    for i in range(n):
        author = UserFactory(first_name=f"Author{i}", last_name="Q")
        order_for(author, variant)
        publish(bought, user=author, text=f"Testimonial number {i}.")


@pytest.mark.parametrize("n", [3, 30])
def test_p19_public_list_pages_take_the_same_queries_however_many(
    running_shop, bought, publish, django_assert_num_queries, n
):
    """The list: a count and the page (product and text in one join). The product's list: the
    product as well."""
    published_many(n, bought, publish)
    with django_assert_num_queries(2):
        response = Client().get("/testimonials/")
    assert len(response.context["page"].object_list) == min(n, 20)
    with django_assert_num_queries(3):
        response = Client().get(f"/testimonials/product/{bought.slug}/")
    assert len(response.context["page"].object_list) == min(n, 20)


@pytest.mark.parametrize("n", [3, 30])
def test_p19_the_product_page_reads_testimonials_in_one_query_however_many(
    running_shop, bought, publish, n
):
    """The page's own total is pinned with the catalogue's (tests/catalog/test_query_counts.py);
    here: testimonials add exactly one query to it."""
    published_many(n, bought, publish)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(bought.get_absolute_url()).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if "testimonials_" in q["sql"]]
    assert len(reads) == 1


@pytest.mark.parametrize("n", [3, 30])
def test_p19_my_testimonials_page_takes_the_same_queries_however_many(
    running_shop, buyer, browser, submit, django_assert_num_queries, n
):
    """Session, user, my consents with their testimonials and products, what I bought, and
    the header's cart count."""
    for _ in range(n):
        variant = VariantFactory(stock=5)
        order_for(buyer, variant)
        submit(variant.product)
    with django_assert_num_queries(5):
        response = browser.get("/testimonials/mine/")
    assert len(response.context["consents"]) == n

"""What product pages suggest (P18): "often bought together" and "popular in this category",
learnt from orders and page views counted in aggregate, never from the visitor."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from candor.catalog.models import Suggestion
from candor.insights import services, tasks
from candor.insights.models import PageViewDay
from candor.orders.models import OrderStatus
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
    VerifiedEmailFactory,
)

from .helpers import Bought, write_orders

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)
LOCAL = ZoneInfo(django_settings.TIME_ZONE)
RECENT = dt.datetime(2026, 11, 20, 12, tzinfo=LOCAL)


@pytest.fixture
def phones(db):
    """Four phones and two cases in two categories, one variant each."""
    phones, cases = CategoryFactory(name="Phones"), CategoryFactory(name="Cases")
    return {
        name: VariantFactory(
            product=ProductFactory(category=category, name=name, slug=name),
            price=Decimal("1000.00"),
        )
        for name, category in (
            ("alpha", phones),
            ("beta", phones),
            ("gamma", phones),
            ("delta", phones),
            ("case-a", cases),
            ("case-b", cases),
        )
    }


def together(*names_per_order, phones, emails, when=RECENT, **extra):
    return [
        Bought(email=email, lines=[(phones[n], 1) for n in names], created_at=when, **extra)
        for email, names in zip(emails, names_per_order, strict=True)
    ]


def suggested(product, kind):
    rows = Suggestion.objects.filter(product=product, kind=kind).order_by("position")
    return [row.suggested.slug for row in rows]


def refresh():
    return services.refresh_product_rankings(today=TODAY)


def test_p18_a_pair_needs_three_different_customers(phones, settings):
    """P18: two products in the same order of three different customers are "often bought
    together"; two customers are not enough, nor is one customer three times."""
    settings.SUGGESTION_MIN_CUSTOMERS = 3
    alpha = phones["alpha"].product
    write_orders(
        together(
            ("alpha", "case-a"), ("alpha", "case-a"), phones=phones, emails=["a@x.pk", "b@x.pk"]
        )
    )
    write_orders(together(*[("alpha", "case-b")] * 3, phones=phones, emails=["c@x.pk"] * 3))
    refresh()
    assert suggested(alpha, "together") == []

    write_orders(together(("alpha", "case-a"), phones=phones, emails=["D@X.pk"]))
    refresh()

    assert suggested(alpha, "together") == ["case-a"]
    assert suggested(phones["case-a"].product, "together") == ["alpha"]
    assert suggested(phones["case-b"].product, "together") == []


def test_p18_pairs_rank_by_customers(phones, settings):
    settings.SUGGESTION_MIN_CUSTOMERS = 2
    emails = [f"p{i}@x.pk" for i in range(5)]
    write_orders(together(*[("alpha", "case-a")] * 2, phones=phones, emails=emails[:2]))
    write_orders(together(*[("alpha", "case-b", "beta")] * 3, phones=phones, emails=emails[2:]))

    refresh()

    assert suggested(phones["alpha"].product, "together") == ["beta", "case-b", "case-a"]


def test_p18_popular_by_customers_then_views_within_the_category(phones):
    """P18: within a category, the products most customers bought, then the most viewed; a
    product is not suggested on its own page."""
    write_orders(together(*[("gamma",)] * 3, phones=phones, emails=["a@x.pk", "b@x.pk", "c@x.pk"]))
    write_orders(together(("beta",), phones=phones, emails=["a@x.pk"]))
    PageViewDay.objects.create(path="/p/delta/", day=TODAY, views=40)
    PageViewDay.objects.create(path="/p/alpha/", day=TODAY, views=5)

    refresh()

    assert suggested(phones["alpha"].product, "popular") == ["gamma", "beta", "delta"]
    assert suggested(phones["gamma"].product, "popular") == ["beta", "delta", "alpha"]
    assert suggested(phones["case-a"].product, "popular") == []


def test_p18_only_counted_orders_of_the_period_count(phones, settings):
    """P18: cancelled, refunded and unpaid orders, and orders older than SUGGESTION_DAYS,
    count for nothing."""
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    settings.SUGGESTION_DAYS = 30
    old = dt.datetime(2026, 10, 1, 12, tzinfo=LOCAL)
    write_orders(together(("alpha", "beta"), phones=phones, emails=["a@x.pk"], when=old))
    for status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.PENDING_PAYMENT):
        write_orders(together(("alpha", "gamma"), phones=phones, emails=["b@x.pk"], status=status))

    refresh()

    assert Suggestion.objects.count() == 0


def test_p18_customers_who_restricted_processing_are_left_out(phones, settings):
    """P18, P20: orders of a customer who restricted processing (by account, or as a guest
    with any of the account's addresses) do not count."""
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    quiet = UserFactory(email="quiet@x.pk", processing_restricted=True)
    VerifiedEmailFactory(user=quiet, email="second@x.pk", primary=False)
    write_orders(together(("alpha", "beta"), phones=phones, emails=["quiet@x.pk"], user=quiet))
    write_orders(
        together(
            ("alpha", "gamma"),
            ("alpha", "delta"),
            phones=phones,
            emails=["QUIET@x.pk", "Second@X.pk"],
        )
    )

    refresh()

    assert Suggestion.objects.count() == 0


def test_p18_products_no_longer_on_sale_are_not_suggested(phones, settings):
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    write_orders(together(("alpha", "beta", "gamma"), phones=phones, emails=["a@x.pk"]))
    phones["beta"].product.__class__.objects.filter(slug="beta").update(is_active=False)
    phones["gamma"].__class__.objects.filter(pk=phones["gamma"].pk).update(is_active=False)

    refresh()

    assert suggested(phones["alpha"].product, "together") == []
    assert suggested(phones["beta"].product, "together") == []
    assert not Suggestion.objects.filter(suggested__slug__in=["beta", "gamma"]).exists()


def test_p18_product_page_shows_both_lists_and_nothing_about_the_visitor(client, phones, settings):
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    write_orders(
        together(("alpha", "case-a"), ("beta",), phones=phones, emails=["a@x.pk", "b@x.pk"])
    )
    refresh()

    html = client.get("/p/alpha/").content.decode()

    assert "Often bought together" in html
    assert "Popular in Phones" in html
    assert (
        html.index('href="/p/case-a/"')
        < html.index("Popular in Phones")
        < html.index('href="/p/beta/"')
    )
    assert "a@x.pk" not in html


def test_p18_refresh_retires_cached_pages_only_when_something_changed(
    client, phones, settings, django_capture_on_commit_callbacks
):
    """P18: the product page is cached for visitors without a session; a refresh that changes
    the suggestions retires cached pages at once, one that changes nothing keeps them."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    assert "Often bought together" not in client.get("/p/alpha/").content.decode()
    write_orders(together(("alpha", "case-a"), phones=phones, emails=["a@x.pk"]))
    assert "Often bought together" not in client.get("/p/alpha/").content.decode()  # cached

    with django_capture_on_commit_callbacks(execute=True) as changed:
        refresh()
    with django_capture_on_commit_callbacks(execute=True) as unchanged:
        refresh()

    assert (len(changed), len(unchanged)) == (1, 0)
    assert "Often bought together" in client.get("/p/alpha/").content.decode()


def test_p18_rankings_refresh_every_hour_under_celery_beat(phones, settings):
    """P18: the beat schedule runs the task hourly; the task works on today's counts."""
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["refresh-product-rankings"]
    assert entry["task"] == "candor.insights.tasks.refresh_product_rankings"
    assert entry["task"] == tasks.refresh_product_rankings.name
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({20}, set(range(24)))
    write_orders(together(("alpha", "beta"), phones=phones, emails=["a@x.pk"], when=timezone.now()))

    # alpha and beta each suggest the other as bought together (2), and each phone lists
    # the bought ones of its category but itself (1 + 1 + 2 + 2).
    assert tasks.refresh_product_rankings.delay().get() == 8
    assert suggested(phones["alpha"].product, "together") == ["beta"]


def test_p18_management_command_refreshes(phones, settings, capsys):
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    write_orders(together(("alpha", "beta"), phones=phones, emails=["a@x.pk"]))

    call_command("refresh_product_rankings")

    assert capsys.readouterr().out.endswith("suggestions stored.\n")
    assert suggested(phones["beta"].product, "together") == ["alpha"]


def test_p18_product_page_with_suggestions_keeps_its_query_count(
    client, phones, settings, django_assert_num_queries
):
    settings.SUGGESTION_MIN_CUSTOMERS = 1
    write_orders(
        together(("alpha", "beta", "gamma", "case-a", "case-b"), phones=phones, emails=["a@x.pk"])
    )
    refresh()
    client.get("/p/alpha/")
    with django_assert_num_queries(4):
        response = client.get("/p/alpha/")
    assert len(response.context["bought_together"]) == 4
    assert len(response.context["popular"]) == 2  # beta and gamma; delta sold nothing
    assert Client().get("/p/case-a/").status_code == 200

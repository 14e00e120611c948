import pytest

from tests.factories import VariantFactory


@pytest.mark.django_db
def test_home_lists_a_product(client):
    """P1: an anonymous visitor sees the shop."""
    variant = VariantFactory()
    variant.product.is_featured = True
    variant.product.save()
    response = client.get("/")
    assert response.status_code == 200
    assert variant.product.name in response.content.decode()


def test_health_check_needs_no_database(client, db, django_assert_num_queries):
    """Load balancers probe /healthz: it answers without a query, a session or a cookie."""
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert dict(response.cookies) == {}

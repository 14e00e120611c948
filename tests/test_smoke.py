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

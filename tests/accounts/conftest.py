import pytest

from tests.factories import UserFactory, VerifiedEmailFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def customer_user(db):
    """A customer with a verified email address and a password."""
    user = UserFactory(email="ayesha@example.com", first_name="Ayesha", last_name="Khan")
    VerifiedEmailFactory(user=user)
    return user


@pytest.fixture
def signed_in(client, customer_user):
    """The test client, signed in as `customer_user` through the authentication backends."""
    assert client.login(email=customer_user.email, password=PASSWORD)
    return client

"""Postcodes checked against real examples, not against the patterns themselves (P2: a valid
address is never refused)."""

import pytest
from django.core.exceptions import ValidationError

from candor.core.postcodes import validate_postcode

VALID = [
    ("PK", "54000"),
    ("PK", "54660"),
    ("IN", "110001"),
    ("US", "10001"),
    ("US", "10001-1234"),
    ("GB", "SW1A 1AA"),
    ("GB", "M1 1AE"),
    ("GB", "CR2 6XH"),
    ("GB", "B33 8TH"),
    ("GB", "DN55 1PT"),
    ("GB", "EC1A 1BB"),
    ("GB", "w1a 0ax"),
    ("DE", "10115"),
    ("CA", "K1A 0B1"),
    ("CA", "k1a0b1"),
    ("FR", "75008"),
    ("NL", "1012 AB"),
]
INVALID = [
    ("PK", "5400"),
    ("PK", "540001"),
    ("PK", "٥٤٠٠٠"),
    ("IN", "11000"),
    ("US", "1000"),
    ("US", "10001-12"),
    ("GB", "SW1[ 1AA"),
    ("GB", "1AA 1AA"),
    ("GB", "SW1A 1A"),
    ("DE", "1011"),
    ("CA", "K1A 0B"),
    ("AE", "12345"),
    ("FR", "!!"),
]


@pytest.mark.parametrize(("country", "postcode"), VALID)
def test_real_postcodes_are_accepted(country, postcode):
    """P2: Real postcodes are accepted."""
    assert validate_postcode(postcode, country) == " ".join(postcode.upper().split())


@pytest.mark.parametrize(("country", "postcode"), INVALID)
def test_malformed_postcodes_are_refused(country, postcode):
    """P2: Malformed postcodes are refused."""
    with pytest.raises(ValidationError):
        validate_postcode(postcode, country)

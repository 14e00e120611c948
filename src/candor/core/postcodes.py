"""Postcode formats for the countries the shop ships to most; a loose rule for the rest.

Patterns use [0-9], not \\d, which would also accept digits of other scripts.
"""

import re

from django.core.exceptions import ValidationError

POSTCODE_PATTERNS = {
    "PK": r"[0-9]{5}",
    "IN": r"[0-9]{6}",
    "AE": r"",  # the UAE has no postcodes
    "US": r"[0-9]{5}(-[0-9]{4})?",
    "GB": r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}",
    "DE": r"[0-9]{5}",
    "CA": r"[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]",
}
FALLBACK = r"[A-Z0-9][A-Z0-9 \-]{1,9}"


def validate_postcode(postcode: str, country: str) -> str:
    """The postcode, normalised; raises ValidationError naming the expected format."""
    value = " ".join(postcode.upper().split())
    if not value:
        return ""
    pattern = POSTCODE_PATTERNS.get(country, FALLBACK)
    if pattern == "":
        raise ValidationError("Addresses in this country have no postcode; leave it empty.")
    if not re.fullmatch(pattern, value):
        raise ValidationError("This postcode is not in the format used in that country.")
    return value

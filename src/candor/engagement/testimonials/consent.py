"""The words a customer agrees to when asking us to publish a testimonial (P19).

Each version's wording is fixed once published: a consent record stores the version and a
SHA-256 of the exact words, so it proves what the customer read. To change the wording, add a
new version and point CURRENT_VERSION at it; never edit an old one.
"""

import hashlib

WORDINGS: dict[str, str] = {
    "1": (
        "I agree that the shop may publish this testimonial on its website, showing only its "
        "text, my rating, my name in the form I chose above and the affiliation I gave. I can "
        "withdraw this consent at any time from my account: the testimonial is then removed "
        "from the site and its text deleted."
    ),
}
CURRENT_VERSION = "1"


def wording(version: str = CURRENT_VERSION) -> str:
    return WORDINGS[version]


def wording_sha256(version: str = CURRENT_VERSION) -> str:
    return hashlib.sha256(WORDINGS[version].encode()).hexdigest()

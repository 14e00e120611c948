"""Identifiers people read aloud: no 0/O or 1/I/L to confuse on the phone."""

import secrets

READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def readable_code(length: int = 8) -> str:
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))

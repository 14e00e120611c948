"""The privacy back office, one module per concern."""

from . import (
    access,  # noqa: F401
    consent,  # noqa: F401
    ledger,  # noqa: F401
    logs,  # noqa: F401
    policy,  # noqa: F401
    rights,  # noqa: F401
)

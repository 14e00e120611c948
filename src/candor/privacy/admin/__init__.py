"""The privacy back office, one module per concern."""

from . import (
    consent,  # noqa: F401
    logs,  # noqa: F401
    policy,  # noqa: F401
)

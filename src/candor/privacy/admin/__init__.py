"""The privacy back office, one module per concern."""

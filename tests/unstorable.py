"""For property tests that post generated text: a value with a NUL byte (or a lone surrogate)
is refused with 400 before any view runs (candor.core.bad_input), so such an example checks
that refusal instead of the form's own errors."""

from candor.core.bad_input import has_unstorable


def refused_before_the_view(response, *values) -> bool:
    """Whether one of `values` holds such a character; if so, the response is that refusal."""
    if not any(has_unstorable(str(value)) for value in values if value is not None):
        return False
    assert response.status_code == 400
    assert response.content.decode().startswith("Bad request: the form field ")
    return True

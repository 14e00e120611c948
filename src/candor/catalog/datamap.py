"""What the catalogue keeps, for the data map (X1): products and their stock are the shop's,
not anyone's personal data; only the audit of staff changes names a person (a staff member).
"""

from candor.privacy.datamap import (
    NOT_PERSONAL,
    YEAR,
    declare,
    declare_not_personal,
    keep,
    personal,
)

from .models import Brand, Category, Product, Suggestion, Variant, VariantChange

declare_not_personal(Category, reason="Catalogue categories.")
declare_not_personal(Brand, reason="Catalogue brands.")
declare_not_personal(Product, reason="Catalogue products, their descriptions and search text.")
declare_not_personal(Variant, reason="What is sold: SKU, storage, colour, price and stock.")
# Which product is shown with which, worked out from counts over many customers (a pair needs
# SUGGESTION_MIN_CUSTOMERS of them): it holds no count, no customer and no visitor (P18).
declare(
    Suggestion,
    fields={
        "product": NOT_PERSONAL,
        "suggested": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "position": NOT_PERSONAL,
    },
)


def staff_audit(*, note: str = ""):
    return personal(
        "security.audit",
        purposes=["security"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep(2 * YEAR, "delete"),
        note=note,
    )


declare(
    VariantChange,
    fields={
        "variant": NOT_PERSONAL,
        "field": NOT_PERSONAL,
        "old_value": NOT_PERSONAL,
        "new_value": NOT_PERSONAL,
        "changed_by": staff_audit(note="The staff member who changed a price or the stock."),
        "created_at": staff_audit(),
    },
    # The audit of price and stock changes is deleted two years after each change.
    age_field="created_at",
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)

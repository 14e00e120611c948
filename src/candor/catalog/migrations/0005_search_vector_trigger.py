"""PostgreSQL keeps catalog_product.search_vector in step with search_text by a trigger.

Ranking then reads a stored tsvector instead of parsing every matching row's text again. The
GIN index moves from the expression to the column. SQLite has no full-text types: nothing here.
"""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS catalog_product_search_gin",
    "CREATE TRIGGER catalog_product_search_vector BEFORE INSERT OR UPDATE OF search_text "
    "ON catalog_product FOR EACH ROW EXECUTE FUNCTION "
    "tsvector_update_trigger(search_vector, 'pg_catalog.english', search_text)",
    "UPDATE catalog_product SET search_vector = to_tsvector('pg_catalog.english', "
    "COALESCE(search_text, ''))",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_vector_gin ON catalog_product "
    "USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS catalog_product_search_vector_gin",
    "DROP TRIGGER IF EXISTS catalog_product_search_vector ON catalog_product",
    "CREATE INDEX IF NOT EXISTS catalog_product_search_gin ON catalog_product "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(search_text, '')))",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search_vector_and_indexes")]
    operations = [migrations.RunPython(forward, backward)]

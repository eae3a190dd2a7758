"""On PostgreSQL, a trigram index on the entries' stored search text (reviews_entrysearch.text),
so that a search for any part of a word uses an index (pg_trgm's gin_trgm_ops serves LIKE '%…%'). SQLite has no such index; there
search scans, which is fast at a city's size. Not part of the models' state: makemigrations never
sees it, and the operation does nothing on other databases."""

from django.db import migrations

INDEX = "reviews_entrysearch_text_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON reviews_entrysearch USING gin (text gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0016_entry_search_fields"),
    ]

    operations = [migrations.RunPython(create, drop)]

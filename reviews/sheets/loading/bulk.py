"""Writing thousands of rows at once: a first load of a big city's sheet creates some 40,000.

bulk_create builds a model instance per row and prepares every value of every row field by
field; for rows whose values are already what the database stores (numbers, strings) and that
need nothing of the ORM (no save(), no signal, no history), insert_rows sends them as they are,
a thousand to a statement. And the garbage collector's full passes over every object of the
process, run again and again while the rows' objects are made, wait until the load is done
(paused_collector).
"""

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connections, router
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

ROWS_PER_STATEMENT = 1000


def insert_rows(model: type[Model], names: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT ``rows`` into ``model``'s table: each row holds the values of the fields ``names``
    (a foreign key by its attname, ``entry_id``) as the database takes them (int, str, None).
    Every other column gets what bulk_create would give it: its default, or the current time for
    ``auto_now``/``auto_now_add`` (one time for all the rows); the database numbers an automatic
    primary key. Like bulk_create, no ``save()`` runs and no signal is sent; unlike it, nothing is
    returned."""
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    rest = [f for f in meta.concrete_fields
            if f not in fields and not (f.primary_key and isinstance(f, AutoFieldMixin))]
    now = timezone.now()
    constants = tuple(
        f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                           else f.get_default(), connection)
        for f in rest
    )
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in (*fields, *rest))
    width = len(fields) + len(rest)
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    # Many rows a statement (one a statement is slow on PostgreSQL), within the database's limit
    # of parameters a statement (SQLite: 999).
    per_statement = max(1, min(ROWS_PER_STATEMENT, (connection.features.max_query_params or 1 << 30) // width))
    values = [(*row, *constants) for row in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            batch = values[start:start + per_statement]
            cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row_sql] * len(batch))}",
                           [value for row in batch for value in row])


@contextmanager
def paused_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (as it was before, afterwards). Building tens of
    thousands of objects that all stay alive triggered several full collections, a quarter of
    a big load's time; memory freed by reference counting is freed as usual meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

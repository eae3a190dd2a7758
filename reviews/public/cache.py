"""Public pages kept whole in each application server's memory until something they show changes.

A visitor's page reads published rounds, their captured facts, KPIs, opinions and answers: a dozen
queries, where the page itself never depends on who asks. Each server keeps the bytes it rendered
(the cache alias ``public``) under a key made of the address (its path, and only the query parameters
the page reads: see ``kept``), the database's PublicStamp token and this process's own generation number:

- any save or delete of a model the public side may show (everything in ``projects`` and
  ``reviews`` but the working data listed in QUIET) moves this process's generation at once, and
  after the transaction commits it writes a new token, which every other server reads on its next
  public request (one indexed query);
- writes that send no signal (bulk loads, the generator, a restore) call ``public_changed()``;
- whatever is missed is dropped by the cache's timeout: five minutes, the same as the
  ``Cache-Control: max-age`` the city's proxy is allowed (reviews.public.middleware).

The token is written after the commit, in its own statement, so that no transaction holds a lock on
the stamp while it waits for another one (no deadlock with the entry workflow's row locks).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Callable
from functools import partial, wraps
from urllib.parse import urlencode

from django.apps import apps as global_apps
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

CACHE_ALIAS = "public"
STAMP_PK = 1
# A big city's open data files run to megabytes: rendered each time, as before, rather than let a
# few of them fill every worker's memory (the pages themselves are at most some 150 KB).
LARGEST_KEPT = 1024 * 1024

# Saved all day long by the departments' and reviewers' work, never shown on the public side
# (a published round's entries never change; publishing saves the round, which is not quiet).
QUIET = {
    "reviews": {"entry", "entrysearch", "event", "sheetupload", "storedfile", "sheetdownload", "maildelivery",
                "notification", "message", "reminderlog", "digestlog", "deadlineextension", "publicstamp"},
    "projects": {"staffprofile", "membership"},
}

_generations = itertools.count(1)
_generation = 0


def public_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Something the public pages may show has changed (or will, when the transaction commits)."""
    global _generation
    _generation = next(_generations)
    write = partial(_write_token, using)
    pending = transaction.get_connection(using).run_on_commit
    if not any(getattr(callback, "func", None) is _write_token for _, callback, _ in pending):
        transaction.on_commit(write, using=using)


def _write_token(using: str = DEFAULT_DB_ALIAS) -> None:
    global _generation
    _store_token(using)
    # Again after the commit: a page rendered by another thread between the first move and the
    # commit may have been kept with what was there before.
    _generation = next(_generations)


def _store_token(using: str) -> None:
    from reviews.models import PublicStamp  # noqa: PLC0415 (models are ready only at run time)

    token = secrets.token_hex(16)
    stamps = PublicStamp.objects.using(using)
    if not stamps.filter(pk=STAMP_PK).update(token=token, changed_at=timezone.now()):
        stamps.get_or_create(pk=STAMP_PK, defaults={"token": token})


def current_generation() -> int:
    """This process's generation: read it before the token and what a kept thing is made of."""
    return _generation


def current_token() -> str:
    """The database's token: it moves after every commit that changed what the public side may show."""
    return _current_token()


def _current_token() -> str:
    from reviews.models import PublicStamp  # noqa: PLC0415

    stamp = PublicStamp.objects.filter(pk=STAMP_PK).values_list("token", flat=True)
    token = stamp.first()
    if token is None:  # the installation's first public page (no migration writes it: see projects.backup)
        _store_token(DEFAULT_DB_ALIAS)
        token = stamp.first()
    return token


def kept(view: Callable[..., HttpResponse] | None = None, *, reads: tuple[str, ...] = ()):
    """Serve the view's successful answer from the cache while nothing it may show has changed.

    ``reads``: the query parameters the view reads (the summary's ``page``). The page is kept under
    its path and those parameters only: anyone can make up query strings, and keeping a copy for
    each would let a visitor fill every server's memory with copies of the largest files. A view
    that reads parameters repeats the others in its links, so such a request is rendered, not kept."""
    if view is None:
        return partial(kept, reads=reads)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if reads and any(name not in reads for name in request.GET):
            return view(request, *args, **kwargs)
        generation = _generation  # read before the token and the page: a change after it moves both
        token = _current_token()
        query = urlencode([(name, value) for name in sorted(reads) for value in request.GET.getlist(name)])
        address = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()
        key = f"{token}:{generation}:{address}"
        cache = caches[CACHE_ALIAS]
        found = cache.get(key)
        if found is not None:
            content, headers = found
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and len(response.content) <= LARGEST_KEPT:
            headers = [(name, response[name]) for name in ("Content-Type", "Content-Disposition") if name in response]
            cache.set(key, (response.content, headers))
        return response

    return wrapper


def _on_write(sender, **kwargs) -> None:
    meta = sender._meta
    if meta.apps is not global_apps:  # a migration's historical model: the tables may not exist yet
        return
    if meta.app_label not in QUIET or meta.model_name in QUIET[meta.app_label]:
        return
    if meta.model_name.startswith("historical"):  # simple_history's copies go with their model's save
        return
    public_changed(kwargs.get("using") or DEFAULT_DB_ALIAS)


def _on_m2m(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        _on_write(sender, **kwargs)


def connect() -> None:
    post_save.connect(_on_write, dispatch_uid="public_cache_save")
    post_delete.connect(_on_write, dispatch_uid="public_cache_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="public_cache_m2m")


def forget() -> None:
    """Drop every kept public page (tests start without another test's)."""
    caches[CACHE_ALIAS].clear()

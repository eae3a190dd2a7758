#!/usr/bin/env python3
"""How the pages people use most keep up when the city grows, against a trivial view.

    .venv/bin/python scripts/benchmark_pages.py            # throwaway SQLite files, from the repository root
    .venv/bin/python scripts/benchmark_pages.py --database-url postgres://postgres@127.0.0.1:5432/bench_pages

A measurement, not a test: it always exits 0 (unless it cannot run) and prints which goals are missed.

Two throwaway databases: SQLite files in a temporary directory, or, with --database-url, that
PostgreSQL database and a second one named after it with ``_large``, both created by the script
(it refuses names that exist) and dropped at the end. DATABASE_URL is set before Django starts, so
db.sqlite3 is never touched. DEBUG is off as in production (no query log; static files are served
without collectstatic's manifest, which the pages' links do not need here).

1. Seed size: migrate, load_demo, and the demo's open FY2018 round taken to where work stands some
   weeks after opening (reviews.demo.generator.work_in_progress: submitted, returned, approved and
   partly written entries), so that the queue and progress have something to show. The people
   below sign in here.
2. Generated size: a copy of that database (sessions included), grown by generate_installation's
   city (--projects 5000 --rounds 10: about 945 departments, 50,000 entries); the demo's users,
   departments and entries are among them, so that each page is the same page at both sizes.

The public pages, the open round's summary and progress are measured twice: as a server serves them
between changes (public pages kept whole in its memory, reviews.public.cache; the open round's counts
kept until one of them changes, reviews.results.summary; progress until an entry is saved,
reviews.rounds.progress) and as the first request after a change finds
them ("after a change": what the server keeps dropped before each request, outside the timing).

Every page is requested through django.test.Client as the person who uses it: twice at each size
to warm up (the second request's SQL queries counted with CaptureQueriesContext and its HTML
measured: the page as the timed requests find it, after a server's first request has worked out
what it keeps), then --runs times at each size, alternating between the sizes, each request after one of a trivial view
(HttpResponse("ok") in a urlconf of this script's own that includes the project's urls, so it goes
through the same middleware) by the same client in the same database: whatever else loads the
machine at that moment weighs on the page at both sizes and on its trivial view alike. Medians
count. A page that lists a round shows page 1 (50 rows); the department's home follows its
redirect (two requests, as the browser makes them).

Goals: each page at the generated size within 1.5x its time at seed size and within 15x the
trivial view (the median of the trivial requests made beside it), with the same number of SQL
queries at both sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
URLCONF = "benchmark_pages_urls"
TRIVIAL = "/__benchmark__/ok/"
SEED_GOAL = 1.5
TRIVIAL_GOAL = 15.0
SIZES = ("seed", "large")


@dataclass
class Page:
    name: str
    who: str  # a demo username, or "" for a visitor
    url: str
    follow: bool = False
    fresh: bool = False  # as the first request after a change finds it: nothing of it kept


@dataclass
class Measured:
    seconds: list[float] = field(default_factory=list)
    trivial: list[float] = field(default_factory=list)  # the trivial view, each just before the page
    queries: int = 0
    sql: float = 0.0  # seconds the warm-up's queries took in the database driver
    size: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def trivial_median(self) -> float:
        return statistics.median(self.trivial)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a new PostgreSQL database to create, use and drop (and one named "
                                               "after it with _large); default: temporary SQLite files")
    parser.add_argument("--projects", type=int, default=5000, help="projects at the generated size (default 5000)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds at the generated size (default 10)")
    parser.add_argument("--runs", type=int, default=7, help="timed requests per page and size; the median counts (default 7)")
    parser.add_argument("--profile", action="store_true", help="also print a profile of each page at the generated size")
    parser.add_argument("--only", default="", help="measure only the pages whose name contains one of these comma-separated texts (e.g. progress,queue)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="page-benchmark-") as tmp:
        databases = (Postgres(args.database_url) if args.database_url
                     else Sqlite(Path(tmp) / "seed.sqlite3", Path(tmp) / "large.sqlite3"))
        databases.create()
        try:
            os.environ["DATABASE_URL"] = databases.url
            os.environ["DJANGO_SETTINGS_MODULE"] = "iruma_eval.settings"
            os.environ["DEBUG"] = "false"
            os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
            os.environ["ALLOWED_HOSTS"] = "testserver"
            os.environ["LOG_LEVEL"] = "WARNING"  # not a line per sign-in
            sys.path.insert(0, str(ROOT))
            warnings.filterwarnings("ignore", "No directory at")  # whitenoise looks for collectstatic's output
            import django

            django.setup()
            run(args, databases)
        finally:
            with contextlib.suppress(Exception):  # Django may not have started
                from django.db import connections

                connections.close_all()  # release the databases before they go
            databases.drop()
    sys.exit(0)


# The two throwaway databases ----------------------------------------------------------------------

class Sqlite:
    def __init__(self, seed: Path, large: Path):
        self.names = {"seed": str(seed), "large": str(large)}
        self.url = f"sqlite:///{seed}"

    def create(self) -> None:
        pass

    def copy(self) -> None:
        shutil.copyfile(self.names["seed"], self.names["large"])

    def drop(self) -> None:
        pass  # the temporary directory goes


class Postgres:
    def __init__(self, url: str):
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if parts.scheme not in ("postgres", "postgresql"):
            sys.exit("--database-url must be a postgres:// URL (SQLite needs none: temporary files are used).")
        if not name or name in ("postgres", "template0", "template1", "test"):
            sys.exit(f"--database-url must name a new scratch database, not {name!r}.")
        self.url = url
        self.server = urlunsplit(parts._replace(path="/postgres"))
        self.names = {"seed": name, "large": f"{name}_large"}
        self.created: list[str] = []

    def _execute(self, statement, *names: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.server, autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(*(sql.Identifier(name) for name in names)))

    def create(self) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as connection:
            for name in self.names.values():
                if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    sys.exit(f"The database {name!r} exists: the benchmark creates and drops its own. Name a new one.")
        self._execute("CREATE DATABASE {}", self.names["seed"])
        self.created.append(self.names["seed"])

    def copy(self) -> None:
        self._execute("CREATE DATABASE {} TEMPLATE {}", self.names["large"], self.names["seed"])
        self.created.append(self.names["large"])

    def drop(self) -> None:
        for name in self.created:
            self._execute("DROP DATABASE IF EXISTS {}", name)


def use(databases, size: str) -> None:
    """Point Django's connection at one size's database, connected before anything is timed."""
    from django.db import connection

    from reviews.models import forget_strategy_count

    if connection.settings_dict["NAME"] != databases.names[size]:
        connection.close()
        connection.settings_dict["NAME"] = databases.names[size]
        forget_strategy_count()  # kept a minute in the process: counted again in the other database
    connection.ensure_connection()


# The run ------------------------------------------------------------------------------------------

def install_urlconf() -> None:
    """The project's urls and one trivial view, so that it goes through the same middleware."""
    from django.http import HttpResponse
    from django.urls import include, path

    import iruma_eval.urls

    def trivial(request):
        return HttpResponse("ok")

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [path(TRIVIAL.strip("/") + "/", trivial), path("", include("iruma_eval.urls"))]
    for handler in ("handler400", "handler403", "handler404", "handler500"):
        setattr(module, handler, getattr(iruma_eval.urls, handler))
    sys.modules[URLCONF] = module


def run(args, databases) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from reviews.demo.generator import generate, work_in_progress
    from reviews.models import Round

    install_urlconf()
    plain_static = {**settings.STORAGES,
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ROOT_URLCONF=URLCONF, STORAGES=plain_static):
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("load_demo", force=True, stdout=quiet)
        states = work_in_progress(Round.objects.get(fiscal_year=2018))
        people = clients()
        analyze(connection)
        print(f"Database: {connection.vendor}. Seed size ready in {time.perf_counter() - started:.0f} s "
              f"(FY2018's entries: {', '.join(f'{state} {n}' for state, n in sorted(states.items()))}).", flush=True)
        connection.close()
        databases.copy()
        use(databases, "large")
        print(f"Generating {args.projects:,} projects × {args.rounds} rounds on a copy …", flush=True)
        report = generate(projects=args.projects, rounds=args.rounds)
        analyze(connection)
        print(f"Generated in {report.seconds:.0f} s: " + ", ".join(f"{what} {n:,}" for what, n in report.created.items()),
              flush=True)
        chosen = [page for page in pages() if any(part in page.name for part in args.only.split(","))]
        results = {page.name: measure(databases, people[page.who], page, args.runs) for page in chosen}
        if args.profile:
            use(databases, "large")
            for page in chosen:
                print_profile(people[page.who], page)
    print_table(results, args)


def analyze(connection) -> None:
    """PostgreSQL's autovacuum vacuums and analyses tables within a minute of large inserts (since
    PostgreSQL 13, inserts alone start a vacuum): do both now, so that the plans and the visibility
    map (which lets a COUNT read an index alone) are the ones a running installation has. (SQLite
    has no statistics unless someone runs ANALYZE, and an installation does not: left alone.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def pages() -> list[Page]:
    """The pages people use most, each as the person who uses it, with the demo's objects (the
    same rows at both sizes)."""
    from django.urls import reverse

    from reviews.models import Entry, Round

    open_round = Round.objects.get(fiscal_year=2018)
    published = Round.objects.get(fiscal_year=2017)
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")  # 商工観光課's, shoko's
    code = published.strategy.code
    return [
        Page("department home (→ round list, 2 req.)", "shoko", reverse("reviews:home"), follow=True),
        Page("department's published round list", "shoko", reverse("reviews:round", args=[published.pk])),
        Page("entry page (department)", "shoko", reverse("reviews:entry", args=[entry.pk])),
        Page("entry page (reviewer)", "kikaku1", reverse("reviews:entry", args=[entry.pk])),
        Page("queue", "kikaku1", reverse("reviews:queue", args=[open_round.pk])),
        Page("round's list (open round)", "kikaku1", reverse("reviews:round", args=[open_round.pk])),
        Page("progress", "kikaku1", reverse("reviews:progress", args=[open_round.pk])),
        Page("progress (after a save)", "kikaku1", reverse("reviews:progress", args=[open_round.pk]), fresh=True),
        Page("summary (published round)", "kikaku1", reverse("reviews:round-summary", args=[published.pk])),
        Page("summary (open round, 暫定)", "kikaku1", reverse("reviews:round-summary", args=[open_round.pk])),
        Page("summary (open round, 暫定, after a change)", "kikaku1",
             reverse("reviews:round-summary", args=[open_round.pk]), fresh=True),
        Page("public summary", "", reverse("public:summary", args=[code, published.fiscal_year])),
        Page("public summary (after a change)", "", reverse("public:summary", args=[code, published.fiscal_year]),
             fresh=True),
        Page("public project page", "", reverse("public:project", args=[entry.project_id])),
        Page("public project page (after a change)", "", reverse("public:project", args=[entry.project_id]),
             fresh=True),
        Page("admin's entry list", "admin", reverse("admin:reviews_entry_changelist")),
    ]


def clients() -> dict:
    """A client per person, signed in (the session rows go with the copy to the large database)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    found = {"": Client()}
    for user in get_user_model().objects.filter(username__in=["shoko", "kikaku1", "admin"]):
        client = Client()
        client.force_login(user)
        found[user.username] = client
    return found


def request(client, page: Page):
    response = client.get(page.url, follow=page.follow)
    if response.status_code != 200:
        raise SystemExit(f"{page.name}: {page.url} answered {response.status_code}")
    return response


def forget_if_fresh(page: Page) -> None:
    """What a change does to what servers keep: the public pages are dropped, and an open round's
    summary and progress are counted again (a published round's counts, kept for good, stay)."""
    if page.fresh:
        from reviews.public.cache import forget
        from reviews.results.summary import forget_open_rounds
        from reviews.rounds.progress import forget_kept

        forget()
        forget_open_rounds()
        forget_kept()


def timed(client, page: Page) -> float:
    forget_if_fresh(page)
    gc.collect()
    start = time.perf_counter()
    request(client, page)
    return time.perf_counter() - start


def measure(databases, client, page: Page, runs: int) -> dict[str, Measured]:
    """The page at both sizes: warm-ups (the second's queries counted, HTML measured), then ``runs`` rounds of
    (trivial view, page) at the seed size and then at the generated size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    trivial = Page("trivial view", page.who, TRIVIAL)
    result = {size: Measured() for size in SIZES}
    for size in SIZES:
        use(databases, size)
        # A server's first request, which works out what it keeps; for a page measured "after a
        # change", after the change too: the page an earlier page left kept in this process (both
        # sizes share it) would otherwise spare this request what the counted one then does.
        forget_if_fresh(page)
        request(client, page)
        # Counted as the timed requests find the page: kept where a server keeps it, or not ("after a change").
        forget_if_fresh(page)
        with CaptureQueriesContext(connection) as queries:
            response = request(client, page)
        result[size].queries, result[size].size = len(queries), len(response.content)
        result[size].sql = sum(float(query["time"]) for query in queries.captured_queries)
        request(client, trivial)
    for _ in range(runs):
        for size in SIZES:
            use(databases, size)
            result[size].trivial.append(timed(client, trivial))
            result[size].seconds.append(timed(client, page))
    seed, large = result["seed"], result["large"]
    print(f"  {page.name}: {seed.median * 1000:.0f} → {large.median * 1000:.0f} ms "
          f"(trivial view {seed.trivial_median * 1000:.1f} → {large.trivial_median * 1000:.1f} ms), "
          f"{seed.queries} → {large.queries} queries", flush=True)
    return result


def print_profile(client, page: Page) -> None:
    """Where one request of the page spends its time at the generated size (our code and the templates)."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    request(client, page)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(f"{ROOT}/(projects|reviews|iruma_eval)/|django/template/", 18)
    stats.sort_stats("tottime").print_stats(12)  # and where the time itself goes, anyone's code
    print(f"\n== {page.name}")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def print_table(results: dict[str, dict[str, Measured]], args) -> None:
    def trivial(size: str) -> str:
        samples = [t for measured in results.values() for t in measured[size].trivial]
        return f"{statistics.median(samples) * 1000:.1f} ms"

    header = (f"{'page':<40} {'seed ms':>8} {'large ms':>9} {'large/seed':>10} {'large/trivial':>13} "
              f"{'queries':>9} {'SQL ms':>9} {'KB':>11}  result")
    print()
    print(f"Median of {args.runs} runs at each size, alternating, each after a request of the trivial view (median "
          f"{trivial('seed')} at seed size, {trivial('large')} at the generated size: {args.projects:,} projects × "
          f"{args.rounds} rounds).")
    print(f"Goals: large/seed ≤ {SEED_GOAL}×, large/trivial ≤ {TRIVIAL_GOAL:.0f}× (the trivial view's median beside "
          "that page: signed in, or not for the public pages), the same query count at both sizes. "
          "Queries, their time in the database (SQL ms, from the warm-up) and KB of HTML: seed/large.")
    print(header)
    print("-" * len(header))
    missed = []
    for name, measured in results.items():
        small, big = measured["seed"], measured["large"]
        by_seed, by_trivial = big.median / small.median, big.median / big.trivial_median
        failures = []
        if by_seed > SEED_GOAL:
            failures.append(f"{by_seed:.1f}× seed")
        if by_trivial > TRIVIAL_GOAL:
            failures.append(f"{by_trivial:.0f}× trivial")
        if big.queries != small.queries:
            failures.append(f"queries {small.queries}→{big.queries}")
        if failures:
            missed.append(f"{name}: " + ", ".join(failures))
        print(f"{name:<40} {small.median * 1000:>8.0f} {big.median * 1000:>9.0f} {by_seed:>10.2f} {by_trivial:>13.1f} "
              f"{f'{small.queries}/{big.queries}':>9} {f'{small.sql * 1000:.0f}/{big.sql * 1000:.0f}':>9} "
              f"{f'{small.size / 1000:.0f}/{big.size / 1000:.0f}':>11}  "
              f"{'MISSED' if failures else 'met'}")
    print()
    print("Goals missed: " + "; ".join(missed) if missed else "All goals met.")


if __name__ == "__main__":
    main()

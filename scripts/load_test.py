#!/usr/bin/env python3
"""A day's work of many people at once, on two app servers in front of one PostgreSQL.

    .venv/bin/python scripts/load_test.py            # from the repository root; about 2 minutes
    .venv/bin/python scripts/load_test.py --database-url postgres://postgres@127.0.0.1:5432/load_test \\
        --users 50 --seconds 60

A measurement, not a test: it exits 0 whenever it could run, and prints PASS or MISS for each goal.
Everything stays on this machine (loopback only), and a hard timeout bounds the whole run.

1. A throwaway PostgreSQL database (default ``load_test``, trust auth): created by the script and
   marked as its own, dropped at the end. A name that exists is refused unless it carries that mark
   (a run that was killed left it). migrate, load_demo (the seed's FY2016–17 data and the open
   FY2018 round), the round taken to where work stands some weeks after opening
   (reviews.demo.generator.work_in_progress: drafts, submitted, returned and approved entries), and
   the simulated people created with projects.access's set_role and set_memberships: reviewers
   (a fifth), and clerks spread over the departments by their number of entries, several to a
   department, so that clerks of one department contend for its entries.
2. Two gunicorn instances (sync workers) on two free loopback ports, with the same SECRET_KEY,
   DATABASE_URL and settings as production on a plain-HTTP intranet (DEBUG off, collectstatic's
   manifest in a temporary folder, CONN_MAX_AGE=60), plus a trivial view (``HttpResponse("ok")``
   through the same middleware, scripts/load_test_urls.py). Mail goes to Django's dummy backend.
3. Every worker is warmed (the trivial view answers with its process id, so the script knows it
   reached each one), then the trivial view is timed alone, signed in, alternating servers: the
   unloaded median.
4. The load, for --seconds: each simulated person keeps their own session and CSRF token and sends
   each request to the other server than the last (the session lives in the database; half the
   people start on each server). With --think, a person reads each page that many seconds on
   average before the next click; by default nobody pauses, a stress test. A clerk's
   day: sign in, the department's list, open an entry that is a draft or returned (often the first
   one, which the department's other clerks pick too), save it with the version the page gave,
   then submit it or go back to the list. A reviewer's day: sign in, the queue, open an entry,
   approve or return it; when the queue is empty, reopen an approved one, so there is work for
   the whole run. One clerk, alone in a department, downloads the department's sheet, changes a
   row, uploads it for preview on one server and confirms it on the other. Starts are spread over
   the first --ramp seconds. One more session times the trivial view throughout. The report gives
   each kind of request's times as the client saw them, waiting included, by when they were sent,
   and the time inside the workers from gunicorn's access logs (the rest is waiting for a worker).
5. Afterwards, in the database: every save or transition the client saw succeed (a redirect) is in
   the entry's history with the version it should have made and the text or state it wrote (else it
   is lost); every conflict the client was told of (409) was a real one (a later version exists) and
   did not write; no two writers were both told they succeeded from the same version.

Goals (issue 15): zero 5xx, zero lost saves, every conflict reported as one, and the p95 of the
requests other than sign-in, waiting included, within 200x the unloaded trivial view's median.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/load_test"
MARK = "scratch database of scripts/load_test.py"  # COMMENT ON DATABASE: the script made it
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HOST = "127.0.0.1"
TRIVIAL = "/__load_test__/ok/"
PASSWORD = "load-test-password-2026"
TRIVIAL_GOAL = 200.0
REQUEST_TIMEOUT = 60.0  # seconds for one request; a request that takes longer counts as failed
SIGN_IN = "sign-in"
# How many versions each write adds when it succeeds: a submit saves its texts first, then submits.
VERSION_STEPS = {"save": 1, "submit": 2, "approve": 1, "return": 1, "reopen": 1, "upload": 1}


class HardTimeout(Exception):
    pass


# Pure parts (tests/test_load_test_script.py) ------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def cpu_by_group(stats: dict[int, tuple[int, str, float]], own: int, servers: set[int]) -> dict[str, float]:
    """Sum CPU seconds of the processes in ``stats`` (pid → (parent pid, command name, seconds)) by who they
    are: this script (the simulated people), the gunicorn servers and their workers, PostgreSQL, and others."""
    def descends(pid: int, roots: set[int]) -> bool:
        seen = set()
        while pid and pid not in seen:
            if pid in roots:
                return True
            seen.add(pid)
            pid = stats[pid][0] if pid in stats else 0
        return False

    groups = {"client": 0.0, "servers": 0.0, "postgres": 0.0, "other": 0.0}
    for pid, (_parent, name, seconds) in stats.items():
        if pid == own:
            groups["client"] += seconds
        elif descends(pid, servers):
            groups["servers"] += seconds
        elif name.startswith("postgres"):
            groups["postgres"] += seconds
        else:
            groups["other"] += seconds
    return groups


def read_process_cpu() -> dict[int, tuple[int, str, float]]:
    """Every process's parent, name and CPU seconds (user + system) from /proc (Linux only; empty elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        # The name sits in parentheses and may hold spaces; the fields after it are fixed.
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / ticks)
    return found


def machine_cpu(text: str, ticks: int = 100) -> dict[str, float]:
    """The machine's CPU seconds since boot from /proc/stat's first line: busy (user, nice, system, irq,
    softirq), idle (idle, iowait) and stolen by the hypervisor. The processes' own figures
    (read_process_cpu) miss what processes that ended took and some kernel work, so the run's idle
    time is read here, not worked out from theirs."""
    values = [int(v) for v in text.splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values + [0] * (8 - len(values))
    return {"busy": (user + nice + system + irq + softirq) / ticks, "idle": (idle + iowait) / ticks,
            "stolen": steal / ticks}


def read_machine_cpu() -> dict[str, float]:
    """machine_cpu of this machine now (zeros where there is no /proc/stat)."""
    try:
        text = Path("/proc/stat").read_text()
    except OSError:
        return {"busy": 0.0, "idle": 0.0, "stolen": 0.0}
    return machine_cpu(text, os.sysconf("SC_CLK_TCK"))


@dataclass
class Write:
    """One save, submit, transition or sheet upload as the client saw it."""

    user: str
    entry: int
    action: str  # a key of VERSION_STEPS
    sent_version: int  # the version the page (or the sheet) gave
    text: str | None  # what it wrote into 担当課による評価 (evaluation), for saves and uploads
    state: str | None  # the state it moved the entry to, for transitions
    outcome: str  # ok (redirect), conflict (409), refused (other 4xx), error (5xx), unknown (no answer)
    status: int


@dataclass(frozen=True)
class Row:
    """One history record of an entry."""

    version: int
    evaluation: str
    state: str


@dataclass
class Verdict:
    acknowledged: int = 0
    lost: list[Write] = field(default_factory=list)
    conflicts: int = 0
    conflicts_confirmed: int = 0  # a later version exists: someone else had saved first
    conflicts_written: list[Write] = field(default_factory=list)  # told "not saved", yet in the history
    unreported: list[str] = field(default_factory=list)  # two writers of one version, both told "saved"
    unknown: int = 0


def check_writes(writes: list[Write], history: dict[int, list[Row]]) -> Verdict:
    """Hold what the clients were told against the entries' history in the database."""
    verdict = Verdict()
    claimed: Counter[tuple[int, int]] = Counter()
    for write in writes:
        rows = history.get(write.entry, [])
        if write.outcome == "ok":
            verdict.acknowledged += 1
            expected = write.sent_version + VERSION_STEPS[write.action]
            claimed[(write.entry, expected)] += 1
            if not any(row.version == expected
                       and (write.text is None or row.evaluation == write.text)
                       and (write.state is None or row.state == write.state) for row in rows):
                verdict.lost.append(write)
        elif write.outcome == "conflict":
            verdict.conflicts += 1
            if write.text is not None and any(row.evaluation == write.text for row in rows):
                verdict.conflicts_written.append(write)
            elif any(row.version > write.sent_version for row in rows):
                verdict.conflicts_confirmed += 1
        elif write.outcome == "unknown":
            verdict.unknown += 1
    verdict.unreported += [f"entry {entry}: {n} writers told they made version {version}"
                           for (entry, version), n in sorted(claimed.items()) if n > 1]
    for entry, rows in sorted(history.items()):
        contents: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for row in rows:
            contents[row.version].add((row.evaluation, row.state))
        verdict.unreported += [f"entry {entry}: version {version} written {len(seen)} ways"
                               for version, seen in sorted(contents.items()) if len(seen) > 1]
    return verdict


def table_rows(html: str) -> list[str]:
    return html.split("<tr")[1:]


def listed_entries(html: str) -> list[tuple[int, str]]:
    """(entry id, state) of each row of a round's list."""
    found = []
    for row in table_rows(html):
        entry, state = re.search(r'href="/entries/(\d+)/"', row), re.search(r'class="state state-(\w+)"', row)
        if entry and state:
            found.append((int(entry.group(1)), state.group(1)))
    return found


def queued_entries(html: str) -> list[int]:
    """The entry ids of the queue's rows."""
    found = []
    for row in table_rows(html):
        entry = re.search(r'href="/entries/(\d+)/"', row)
        if entry:
            found.append(int(entry.group(1)))
    return found


def form_version(html: str, action: str) -> int | None:
    """The version in the entry page's form that posts to /entries/<id>/<action>/, or None when the
    page offers no such form; for "edit", only when it offers saving (a clerk's draft or returned entry)."""
    form = re.search(rf'<form[^>]*action="/entries/\d+/{action}/"[^>]*>(.*?)</form>', html, re.S)
    if form is None or (action == "edit" and 'name="intent" value="save"' not in form.group(1)):
        return None
    version = re.search(r'name="version" value="(\d+)"', form.group(1))
    return int(version.group(1)) if version else None


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type, as a browser sends a file."""
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, (filename, content, content_type) in files.items():
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: {content_type}\r\n\r\n").encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# The scratch database -----------------------------------------------------------------------------

class ScratchDatabase:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.name = parts.path.lstrip("/")
        if parts.scheme not in ("postgres", "postgresql"):
            sys.exit("--database-url must be a postgres:// URL.")
        if parts.hostname not in LOOPBACK:
            sys.exit(f"--database-url must be on this machine ({', '.join(LOOPBACK)}), not {parts.hostname!r}.")
        if not self.name or self.name in ("postgres", "template0", "template1", "test"):
            sys.exit(f"--database-url must name a scratch database of its own, not {self.name!r}.")
        self.url = url
        self.server = urlunsplit(parts._replace(path="/postgres"))
        self.created = False

    def _connect(self):
        import psycopg

        return psycopg.connect(self.server, autocommit=True)

    def create(self) -> None:
        from psycopg import sql

        with self._connect() as connection:
            found = connection.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                       "WHERE datname = %s", [self.name]).fetchone()
            if found and found[0] != MARK:
                sys.exit(f"The database {self.name!r} exists and is not one this script made: name a new one.")
            if found:
                print(f"Dropping {self.name!r}, left by an earlier run.", flush=True)
                connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.name)))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
            self.created = True
            connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(self.name),
                                                                              sql.Literal(MARK)))

    def drop(self) -> None:
        from psycopg import sql

        if self.created:
            with self._connect() as connection:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


# Setting up the people and their work -------------------------------------------------------------

@dataclass
class Person:
    username: str
    reviewer: bool
    department: int | None = None  # the clerk's department (its sub-units included)
    pool: list[int] = field(default_factory=list)  # the entries a clerk works on
    uploads: int | None = None  # the entry whose sheet row this clerk changes by upload


@dataclass
class Plan:
    round: int
    people: list[Person]
    probe: str  # the user whose session times the trivial view
    departments: dict[int, str]
    states: dict[str, int]  # FY2018's entries by state when the day starts ("blank": nothing written)


def prepare(users: int, reviewers: int) -> Plan:
    """migrate, load_demo, and the simulated people."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from projects.access import Role, set_memberships, set_role
    from projects.models import Department
    from reviews.demo.generator import work_in_progress
    from reviews.management.commands.load_demo import DEMO_FISCAL_YEAR
    from reviews.models import Entry, Round

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", force=True, stdout=quiet)
    round_ = Round.objects.get(fiscal_year=DEMO_FISCAL_YEAR)
    # The day starts where the round stands some weeks after opening, so reviewers have work at once.
    states = work_in_progress(round_)
    editable = set(Entry.objects.filter(round=round_, state__in=["draft", "returned"]).values_list("pk", flat=True))
    # A clerk is a member of one department and works on its sub-units' entries too.
    pools: dict[int, set[int]] = defaultdict(set)
    for entry in Entry.objects.filter(round=round_).prefetch_related("project__project_departments__department"):
        for link in entry.project.project_departments.all():
            pools[link.department.parent_id or link.department_id].add(entry.pk)
    names = dict(Department.objects.filter(pk__in=pools).values_list("pk", "name"))
    shared = Counter(pk for pool in pools.values() for pk in pool)
    # The uploading clerk has a department to themselves (smallest with two entries of its own only),
    # so that nobody changes its entries on screen between the download and the confirmation.
    alone = min((d for d, pool in pools.items()
                 if len(pool) >= 2 and pool & editable and all(shared[pk] == 1 for pk in pool)),
                key=lambda d: (len(pools[d]), names[d]))
    reserved = min(pools[alone] & editable)  # a department's sheet changes only drafts and returned entries
    clerks = users - reviewers
    people = [Person("lt-c01", False, alone, sorted(pools[alone] - {reserved}), uploads=reserved)]
    others = {d: pool for d, pool in pools.items() if d != alone}
    for number, department in enumerate(spread(clerks - 1, {d: len(p) for d, p in others.items()}), start=2):
        people.append(Person(f"lt-c{number:02d}", False, department, sorted(others[department])))
    people += [Person(f"lt-r{number:02d}", True) for number in range(1, reviewers + 1)]
    biggest = max(others, key=lambda d: len(others[d]))
    User = get_user_model()
    password = make_password(PASSWORD)  # hashed once: the hasher is slow on purpose
    with transaction.atomic():
        for person in [*people, Person("lt-probe", False, biggest)]:
            user = User.objects.create(username=person.username, password=password,
                                       last_name="負荷", first_name=person.username)
            set_role(user, Role.REVIEWER if person.reviewer else Role.STAFF)
            set_memberships(user, Department.objects.filter(
                name="企画課" if person.reviewer else names[person.department]))
    return Plan(round_.pk, people, "lt-probe", names, dict(states))


def spread(count: int, weights: dict[int, int]) -> list[int]:
    """``count`` clerks over the departments by their number of entries (largest remainder), at
    least one each while there are enough; the busiest departments first."""
    order = sorted(weights, key=lambda d: (-weights[d], d))
    if count <= len(order):
        return order[:count]
    share = {d: 1 + (count - len(order)) * weights[d] / sum(weights.values()) for d in order}
    given = {d: int(share[d]) for d in order}
    for d in sorted(order, key=lambda d: -(share[d] - given[d]))[:count - sum(given.values())]:
        given[d] += 1
    return [d for d in order for _ in range(given[d])]


# The servers --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name: str, workers: int, env: dict[str, str], logs: Path):
        self.name, self.workers, self.env = name, workers, env
        self.port = free_port()
        self.log_path = logs / f"{name}.log"
        self.access_path = logs / f"{name}-access.log"  # each request's time inside a worker
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        command = [gunicorn, "iruma_eval.wsgi:application",
                   "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "--worker-class", "sync",
                   "--chdir", str(ROOT), "--pythonpath", str(SCRIPTS), "--timeout", "120",
                   "--graceful-timeout", "5", "--error-logfile", "-", "--access-logfile", str(self.access_path),
                   "--access-logformat", "%(m)s %(U)s %(s)s %(L)s %(p)s %(t)s"]
        # Newer gunicorns open a control socket at one path in the home folder: two instances would share it.
        if "--no-control-socket" in subprocess.run([gunicorn, "--help"], capture_output=True, text=True).stdout:
            command.append("--no-control-socket")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/login/")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def worker_times(self) -> list[tuple[str, float]]:
        """(method and path with ids as <id>, seconds in the worker) of each request in the access log."""
        found = []
        text = self.access_path.read_text(errors="replace") if self.access_path.exists() else ""
        for line in text.splitlines():
            parts = line.split()
            if len(parts) >= 4 and not parts[1].startswith(("/static/", TRIVIAL)):
                found.append((f"{parts[0]} {re.sub(r'/[0-9]+/', '/<id>/', parts[1])}", float(parts[3])))
        return found

    def first_traceback(self) -> tuple[int, str]:
        """How many tracebacks the log holds, and the lines from the first one on."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        marker = "Traceback (most recent call last)"
        if marker not in text:
            return 0, ""
        return text.count(marker), "\n".join(text[text.index(marker):].splitlines()[:60])


# The client: one browser per simulated person ----------------------------------------------------

@dataclass
class Sample:
    kind: str
    server: int
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float
    started: float


class Recorder:
    def __init__(self):
        self.started = time.monotonic()
        self.samples: list[Sample] = []
        self.writes: list[Write] = []
        self.lock = threading.Lock()
        self.failures: list[str] = []  # what a person's day stopped on (printed, not fatal)

    def sample(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def write(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)


@dataclass
class Response:
    status: int
    location: str
    headers: http.client.HTTPMessage | None
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class NoAnswer(Exception):
    pass


class Browser:
    """A person's browser: its cookies (session, CSRF, messages) and whose turn the next server is."""

    def __init__(self, servers: list[Server], recorder: Recorder | None, first: int = 0):
        self.servers, self.recorder = servers, recorder
        self.cookies: dict[str, str] = {}
        self.turn = first - 1  # the server of the first request

    def next_server(self) -> int:
        self.turn += 1
        return self.turn % len(self.servers)

    def request(self, kind: str, method: str, path: str, fields: dict[str, str] | None = None,
                files: dict[str, tuple[str, bytes, str]] | None = None, server: int | None = None) -> Response:
        index = self.next_server() if server is None else server
        port = self.servers[index].port
        headers = {"Host": f"{HOST}:{port}", "User-Agent": "iruma-load-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if method == "POST":
            fields = {**(fields or {}), "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            if files:
                body, headers["Content-Type"] = multipart(fields, files)
            else:
                body, headers["Content-Type"] = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheader("Location", ""), answer.headers, answer.read())
        except OSError as error:
            self._record(kind, index, 0, started)
            raise NoAnswer(f"{method} {path}: {error!r}") from error
        finally:
            connection.close()
        self._record(kind, index, response.status, started)
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def _record(self, kind: str, server: int, status: int, started: float) -> None:
        if self.recorder is not None:
            self.recorder.sample(Sample(kind, server, status, time.monotonic() - started, started))

    def get(self, kind: str, path: str, **kwargs) -> Response:
        return self.request(kind, "GET", path, **kwargs)

    def post(self, kind: str, path: str, fields: dict[str, str], **kwargs) -> Response:
        return self.request(kind, "POST", path, fields, **kwargs)

    def follow(self, response: Response, kind: str) -> Response:
        """Follow redirects as a browser does (each to the next server in turn)."""
        while response.status in (301, 302, 303) and response.location:
            response = self.get(kind, urlsplit(response.location).path or "/")
        return response

    def sign_in(self, username: str) -> Response:
        """Sign in and land where the home page sends this person (their list, or the queue)."""
        self.get("sign-in page", "/login/")
        response = self.post(SIGN_IN, "/login/", {"username": username, "password": PASSWORD, "next": ""})
        if response.status != 302:
            raise RuntimeError(f"{username} could not sign in: {response.status}")
        return self.follow(response, "home")


def outcome(response: Response) -> str:
    """What the person was told: saved (a redirect), a conflict (409: someone changed the entry since
    the page was opened; usually "…開いた後に…保存しました", or its new state when a colleague submitted it
    meanwhile), refused (another 4xx), or a server error."""
    if response.status in (301, 302, 303):
        return "ok"
    if response.status == 409:
        return "conflict"
    return "error" if response.status >= 500 else "refused"


class Stop(Exception):
    pass


class Day:
    """One simulated person's working day, until the deadline."""

    def __init__(self, person: Person, plan: Plan, servers: list[Server], recorder: Recorder,
                 deadline: float, upload_at: float, think: float, seed: int):
        self.person, self.plan, self.recorder = person, plan, recorder
        # Half the people start on each server: a day's requests come in a fixed order, so strict
        # alternation from one server would send every sign-in and every save to the same one.
        self.browser = Browser(servers, recorder, first=seed % len(servers))
        self.deadline, self.upload_at, self.think = deadline, upload_at, think
        self.random = random.Random(seed)
        self.count = 0

    def check_time(self) -> None:
        """Stop at the deadline; before that, the person reads the page (--think) before the next click."""
        if self.think:
            time.sleep(self.random.uniform(0, 2 * self.think))
        if time.monotonic() >= self.deadline:
            raise Stop

    def get(self, kind: str, path: str) -> Response:
        self.check_time()
        return self.browser.get(kind, path)

    def post(self, kind: str, path: str, fields: dict[str, str], **kwargs) -> Response:
        self.check_time()
        return self.browser.post(kind, path, fields, **kwargs)

    def run(self) -> None:
        try:
            self.check_time()
            landing: Response | None = self.browser.sign_in(self.person.username)
            while True:
                if self.person.uploads is not None and time.monotonic() >= self.upload_at:
                    self.upload()
                    self.person.uploads, landing = None, None
                self.reviewer_turn(landing) if self.person.reviewer else self.clerk_turn(landing)
                landing = None
        except Stop:
            pass
        except Exception as error:  # noqa: BLE001 -- one person's failure is reported, the others go on
            self.recorder.failures.append(f"{self.person.username}: {error!r}")

    def write(self, action: str, entry: int, version: int, response: Response, *, text: str | None = None,
              state: str | None = None) -> str:
        result = outcome(response)
        self.recorder.write(Write(self.person.username, entry, action, version, text, state, result, response.status))
        return result

    def texts(self) -> dict[str, str]:
        self.count += 1
        return {"status": self.random.choice("ABC"),
                "implementation": f"負荷試験で実施した内容（{self.person.username}、{self.count}回目）。",
                "evaluation": f"負荷試験 {self.person.username} #{self.count}",
                "future_policy": "継続して実施する。", "confirmed": "on"}

    # A clerk's turn: the list, an entry, save, then submit or back to the list.
    def clerk_turn(self, listing: Response | None) -> None:
        listing = listing or self.get("list", f"/rounds/{self.plan.round}/")
        mine = set(self.person.pool)
        open_ = [pk for pk, state in listed_entries(listing.text) if pk in mine and state in ("draft", "returned")]
        if not open_:
            self.get("entry", f"/entries/{self.random.choice(self.person.pool)}/")  # nothing to do: reads
            return
        # Half the time the first open entry of the list, which the department's other clerks pick too.
        entry = open_[0] if self.random.random() < 0.5 else self.random.choice(open_)
        page = self.get("entry", f"/entries/{entry}/")
        version = form_version(page.text, "edit")
        if version is None:
            return  # submitted by a colleague meanwhile
        texts = self.texts()
        response = self.post("save", f"/entries/{entry}/edit/", {**texts, "version": str(version), "intent": "save"})
        if self.write("save", entry, version, response, text=texts["evaluation"]) != "ok":
            return
        page = self.browser.follow(response, "entry")
        version = form_version(page.text, "edit")
        if version is None or self.random.random() < 0.4:
            return
        texts = self.texts()
        response = self.post("submit", f"/entries/{entry}/edit/", {**texts, "version": str(version), "intent": "submit"})
        if self.write("submit", entry, version, response, text=texts["evaluation"], state="submitted") == "ok":
            self.browser.follow(response, "entry")

    # A reviewer's turn: the queue, an entry, approve or return; reopen when the queue is empty.
    def reviewer_turn(self, queue: Response | None) -> None:
        queued = queued_entries((queue or self.get("queue", f"/rounds/{self.plan.round}/queue/")).text)
        if queued:
            entry = self.random.choice(queued[:10])
            page = self.get("entry", f"/entries/{entry}/")
            version = form_version(page.text, "approve")
            if version is None:
                return  # another reviewer was quicker
            if self.random.random() < 0.5:
                action, state, fields = "approve", "approved", {"comment": ""}
            else:
                action, state, fields = "return", "returned", {"comment": "負荷試験: 内容を見直してください。"}
        else:
            approved = [pk for pk, _ in listed_entries(
                self.get("list", f"/rounds/{self.plan.round}/?state=approved").text)]
            if not approved:
                return
            entry = self.random.choice(approved)
            page = self.get("entry", f"/entries/{entry}/")
            version = form_version(page.text, "reopen")
            if version is None:
                return
            action, state, fields = "reopen", "returned", {"comment": "負荷試験: もう一度見直します。"}
        response = self.post(action, f"/entries/{entry}/{action}/", {**fields, "version": str(version)})
        if self.write(action, entry, version, response, state=state) == "ok":
            self.browser.follow(response, "entry")

    def upload(self) -> None:
        """Download the department's sheet, change one row, preview it on one server, confirm on the other."""
        import openpyxl

        from reviews.sheets.workbook.layout import COLUMN_OF

        entry, department = self.person.uploads, self.person.department
        sheet = self.get("sheet download", f"/rounds/{self.plan.round}/sheet/download/?download-department={department}")
        if sheet.status != 200:
            raise RuntimeError(f"sheet download answered {sheet.status}")
        workbook = openpyxl.load_workbook(io.BytesIO(sheet.body))
        version = None
        text = f"入力表から書いた評価（{self.person.username}）"
        for worksheet in workbook.worksheets:
            for row in worksheet.iter_rows(min_col=COLUMN_OF["entry_ref"], max_col=COLUMN_OF["entry_ref"]):
                ref = str(row[0].value or "")
                if ref.startswith(f"{entry}:"):
                    version = int(ref.split(":")[1])
                    worksheet.cell(row=row[0].row, column=COLUMN_OF["evaluation"], value=text)
        if version is None:
            raise RuntimeError(f"entry {entry} is not in its department's sheet")
        content = io.BytesIO()
        workbook.save(content)
        server = self.browser.next_server()
        preview = self.post("sheet preview", f"/rounds/{self.plan.round}/sheet/upload/",
                            {"upload-department": str(department)},
                            files={"upload-file": ("sheet.xlsx", content.getvalue(), "application/octet-stream")},
                            server=server)
        token = re.search(r'name="token" value="([^"]+)"', preview.text)
        if preview.status != 200 or token is None:
            self.write("upload", entry, version, preview, text=text)
            raise RuntimeError(f"the sheet's preview answered {preview.status} without a token to confirm")
        # Confirmed on the other server, even past the deadline: the upload is one of the run's checks.
        confirm = self.browser.post("sheet confirm", f"/rounds/{self.plan.round}/sheet/confirm/",
                                    {"upload-department": str(department), "token": token.group(1)},
                                    server=1 - server)
        if self.write("upload", entry, version, confirm, text=text) != "ok":
            raise RuntimeError(f"the sheet's confirmation answered {confirm.status}")
        self.browser.follow(confirm, "sheet page")


# The run ------------------------------------------------------------------------------------------

def warm(servers: list[Server], plan: Plan) -> Browser:
    """Sign in the probe and a reviewer, and request the trivial view and the main pages in bursts
    until every worker of every server has answered."""
    probe, reviewer = Browser(servers, None), Browser(servers, None)
    probe.sign_in(plan.probe)
    reviewer.sign_in(next(p.username for p in plan.people if p.reviewer))
    entry = next(p for p in plan.people if p.username != plan.probe and not p.reviewer and p.pool).pool[0]
    seen: list[set[str]] = [set() for _ in servers]

    def burst(index: int) -> None:
        for browser, path in ((probe, TRIVIAL), (probe, "/login/"), (probe, f"/rounds/{plan.round}/"),
                              (reviewer, f"/entries/{entry}/"), (reviewer, f"/rounds/{plan.round}/queue/"),
                              (probe, TRIVIAL)):
            response = browser.get("warm-up", path, server=index)
            if response.headers and response.headers.get("X-Worker"):
                seen[index].add(response.headers["X-Worker"])

    for _ in range(30):
        threads = [threading.Thread(target=burst, args=(index,)) for index, server in enumerate(servers)
                   for _ in range(server.workers * 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if all(len(seen[i]) >= server.workers for i, server in enumerate(servers)):
            return probe
    raise RuntimeError(f"not every worker answered the warm-up: {[len(s) for s in seen]}")


def time_trivial(browser: Browser, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.monotonic()
        response = browser.get("trivial", TRIVIAL)
        if response.status != 200:
            raise RuntimeError(f"the trivial view answered {response.status}")
        times.append(time.monotonic() - started)
    return times


def load(plan: Plan, servers: list[Server], probe: Browser, args) -> tuple[Recorder, list[float], float]:
    """Every person's day at once, and the trivial view timed beside them; returns the recorder,
    the trivial view's times under load and the seconds the load lasted."""
    recorder = Recorder()
    started = recorder.started
    deadline = started + args.seconds
    days = [Day(person, plan, servers, recorder, deadline, started + args.seconds / 3, args.think, seed=number)
            for number, person in enumerate(plan.people)]
    threads = []
    for number, day in enumerate(days):
        delay = args.ramp * number / len(days)
        threads.append(threading.Timer(delay, day.run))
        threads[-1].daemon = True
        threads[-1].start()
    under_load = []
    while time.monotonic() < deadline:
        begun = time.monotonic()
        with contextlib.suppress(NoAnswer):
            response = probe.get("trivial", TRIVIAL)
            if response.status == 200:
                under_load.append(time.monotonic() - begun)
            else:
                recorder.failures.append(f"the trivial view answered {response.status} under load")
        time.sleep(0.25)
    for thread in threads:
        thread.join()
    return recorder, under_load, time.monotonic() - started


def entry_history(entry_ids: set[int]) -> dict[int, list[Row]]:
    from reviews.models import Entry

    history: dict[int, list[Row]] = defaultdict(list)
    for pk, version, evaluation, state in (Entry.history.filter(id__in=entry_ids)
                                           .values_list("id", "version", "evaluation", "state")):
        history[pk].append(Row(version, evaluation, state))
    return history


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def report(recorder: Recorder, under_load: list[float], unloaded: list[float], elapsed: float,
           verdict: Verdict, servers: list[Server], args) -> None:
    samples = recorder.samples
    print(f"\nRequests: {len(samples):,} in {elapsed:.1f} s = {len(samples) / elapsed:.1f} per second")
    for index, server in enumerate(servers):
        times = [s.seconds for s in samples if s.server == index and s.kind != SIGN_IN]
        print(f"  server {server.name}: {len(times):,} requests but sign-in, p50 {ms(percentile(times, 50))}, "
              f"p95 {ms(percentile(times, 95))}")
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    header = f"{'request':<16} {'count':>6} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}  statuses"
    print(header)
    print("-" * len(header))
    others = [s for s in samples if s.kind != SIGN_IN]
    for kind, group in [*sorted(by_kind.items(), key=lambda item: -len(item[1])),
                        ("all but sign-in", others), ("all", samples)]:
        seconds = [s.seconds for s in group]
        statuses = ", ".join(f"{status or 'no answer'}×{n}" for status, n in sorted(Counter(s.status for s in group).items()))
        print(f"{kind:<16} {len(group):>6} {ms(percentile(seconds, 50)):>9} {ms(percentile(seconds, 95)):>9} "
              f"{ms(percentile(seconds, 99)):>9} {ms(max(seconds, default=math.nan)):>9}  {statuses}")
    # Where the time went: the requests by when they were sent, and those sent once everyone was in.
    print(f"\n{'sent at':<16} {'count':>6} {'p50':>9} {'p95':>9}  (all but sign-in)")
    for start in range(0, math.ceil(elapsed), 10):
        window = [s.seconds for s in others if start <= s.started - recorder.started < start + 10]
        if window:
            print(f"{f'{start}–{start + 10} s':<16} {len(window):>6} {ms(percentile(window, 50)):>9} "
                  f"{ms(percentile(window, 95)):>9}")
    signed_in = max((s.started + s.seconds for s in samples if s.kind == SIGN_IN), default=recorder.started)
    after = [s.seconds for s in others if s.started >= signed_in]
    print(f"Sent after the last sign-in ({signed_in - recorder.started:.0f} s): {len(after)} requests, "
          f"p50 {ms(percentile(after, 50))}, p95 {ms(percentile(after, 95))}\n")
    errors = Counter(s.status for s in samples if s.status not in (200, 302))
    print("Errors by status: " + (", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(errors.items()))
                                  or "none") + " (409 is a conflict reported to the person)")
    trivial_unloaded, trivial_loaded = statistics.median(unloaded), statistics.median(under_load)
    p95 = percentile([s.seconds for s in others], 95)
    ratio = p95 / trivial_unloaded
    print(f"Trivial view (signed in): unloaded median {ms(trivial_unloaded)} ({len(unloaded)} requests), "
          f"under load median {ms(trivial_loaded)} ({len(under_load)} requests, "
          f"{trivial_loaded / trivial_unloaded:.0f}×)")
    writes = Counter((w.action, w.outcome) for w in recorder.writes)
    print("Writes: " + ", ".join(f"{action} {result} {n}" for (action, result), n in sorted(writes.items())))
    # The time inside the workers (gunicorn's access log): the rest of a request's time is waiting.
    inside: dict[str, list[float]] = defaultdict(list)
    for server in servers:
        for route, seconds in server.worker_times():
            inside[route].append(seconds)
    print(f"{'in the workers':<40} {'count':>6} {'p50':>9} {'p95':>9}  (from the servers' access logs, warm-up included)")
    for route, times in sorted(inside.items(), key=lambda item: -len(item[1]))[:14]:
        print(f"{route:<40} {len(times):>6} {ms(percentile(times, 50)):>9} {ms(percentile(times, 95)):>9}")
    steps = {s.kind: f"{servers[s.server].name} ({s.status})" for s in samples if s.kind.startswith("sheet ")}
    upload = [w.outcome for w in recorder.writes if w.action == "upload"]
    print(f"Sheet upload: {upload[0] if upload else 'not reached'}; " + ", ".join(
        f"{kind[6:]} on {where}" for kind, where in steps.items()))
    print(f"In the database: {verdict.acknowledged} acknowledged writes, {len(verdict.lost)} lost; "
          f"{verdict.conflicts} conflicts reported, {verdict.conflicts_confirmed} of them confirmed by a later "
          f"version, {len(verdict.conflicts_written)} written anyway; {len(verdict.unreported)} unreported "
          f"conflicts; {verdict.unknown} writes without an answer")
    for write in verdict.lost[:10]:
        print(f"  lost: {write}")
    for write in verdict.conflicts_written[:10]:
        print(f"  conflict written anyway: {write}")
    for line in verdict.unreported[:10]:
        print(f"  unreported conflict: {line}")
    for failure in recorder.failures[:10]:
        print(f"  a day stopped: {failure}")
    server_errors = sum(n for status, n in errors.items() if status >= 500)
    unanswered = errors.get(0, 0)
    print("\nGoals:")
    goals = [
        ("zero 5xx", server_errors == 0 and unanswered == 0, f"{server_errors} 5xx, {unanswered} without an answer"),
        ("zero lost saves", not verdict.lost, f"{len(verdict.lost)} of {verdict.acknowledged} acknowledged writes"),
        ("every conflict reported as one", not verdict.unreported and not verdict.conflicts_written
         and verdict.conflicts_confirmed == verdict.conflicts,
         f"{verdict.conflicts} reported, {verdict.conflicts_confirmed} confirmed, {len(verdict.unreported)} unreported"),
        (f"p95 but sign-in ≤ {TRIVIAL_GOAL:.0f}× unloaded trivial", ratio <= TRIVIAL_GOAL,
         f"{ms(p95)} = {ratio:.0f}× {ms(trivial_unloaded)} (goal {ms(trivial_unloaded * TRIVIAL_GOAL)})"),
    ]
    for name, met, detail in goals:
        print(f"  {'PASS' if met else 'MISS'}  {name}: {detail}")


def server_environment(database_url: str, static_root: Path) -> dict[str, str]:
    """Production's settings on a plain-HTTP intranet, for both servers and this process."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "EMAIL_", "UPLOAD_", "MEDIA_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "load_test_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(SCRIPTS)]),
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),  # one key for both: sessions and preview tokens
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "CONN_MAX_AGE": "60",
        "BEHIND_HTTPS_PROXY": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",  # no SMTP server here
        "LOG_LEVEL": "WARNING",
        "LOAD_TEST_STATIC_ROOT": str(static_root),
    })
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help=f"a scratch PostgreSQL database to create, use and drop (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--users", type=int, default=50, help="simulated people (default 50)")
    parser.add_argument("--reviewers", type=int, help="of which reviewers (default a fifth)")
    parser.add_argument("--seconds", type=float, default=60, help="how long the load lasts (default 60)")
    parser.add_argument("--ramp", type=float, default=5, help="seconds over which the people start (default 5)")
    parser.add_argument("--think", type=float, default=0,
                        help="mean seconds a person reads a page before the next click (default 0: at once)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per server (default 3)")
    parser.add_argument("--samples", type=Path, help="also write every request to this CSV file")
    parser.add_argument("--timeout", type=float, help="hard limit for the whole run (default --seconds + 360)")
    args = parser.parse_args()
    reviewers = args.reviewers if args.reviewers is not None else max(1, args.users // 5)
    if not 0 < reviewers < args.users - 1:
        sys.exit("--users must leave at least two clerks beside the reviewers.")

    def hard_timeout(signum, frame):
        raise HardTimeout(f"the run took longer than {limit:.0f} s")

    limit = args.timeout or args.seconds + 360
    signal.signal(signal.SIGALRM, hard_timeout)
    signal.alarm(math.ceil(limit))
    database = ScratchDatabase(args.database_url)
    temporary = Path(tempfile.mkdtemp(prefix="load-test-"))
    servers: list[Server] = []
    failed = False
    try:
        started = time.monotonic()
        database.create()
        env = server_environment(database.url, temporary / "static")
        os.environ.clear()
        os.environ.update(env)
        sys.path[:0] = [str(ROOT), str(SCRIPTS)]
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        plan = prepare(args.users, reviewers)
        with open(os.devnull, "w") as quiet:
            call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
        connections.close_all()
        clerks = [p for p in plan.people if not p.reviewer]
        uploader = next(p for p in clerks if p.uploads)
        print(f"Ready in {time.monotonic() - started:.0f} s: {len(clerks)} clerks in "
              f"{len({p.department for p in clerks})} departments (the uploader alone in "
              f"{plan.departments[uploader.department]}), {reviewers} reviewers; FY2018's entries: "
              f"{', '.join(f'{state} {n}' for state, n in sorted(plan.states.items()))}.",
              flush=True)
        servers = [Server(name, args.workers, env, temporary) for name in ("A", "B")]
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        probe = warm(servers, plan)
        unloaded = time_trivial(probe, 100)
        print(f"Two gunicorn servers ({args.workers} sync workers each) on {HOST}:{servers[0].port} and "
              f":{servers[1].port}, PostgreSQL {database.name!r}; every worker warmed. Load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs.", flush=True)
        print(f"Load: {args.users} people for {args.seconds:.0f} s (starting over {args.ramp:.0f} s) …", flush=True)
        cpu_before, machine_before = read_process_cpu(), read_machine_cpu()
        recorder, under_load, elapsed = load(plan, servers, probe, args)
        cpu_after, machine_after = read_process_cpu(), read_machine_cpu()
        machine = {name: machine_after[name] - machine_before[name] for name in machine_after}
        cpu = cpu_by_group({pid: (parent, name, seconds - cpu_before.get(pid, (0, "", 0.0))[2])
                            for pid, (parent, name, seconds) in cpu_after.items()},
                           os.getpid(), {server.process.pid for server in servers})
        load_average = os.getloadavg()
        if args.samples:
            with open(args.samples, "w") as out:
                out.write("sent_at,kind,server,status,seconds\n")
                out.writelines(f"{s.started - recorder.started:.3f},{s.kind},{servers[s.server].name},{s.status},"
                               f"{s.seconds:.3f}\n" for s in recorder.samples)
            for server in servers:
                shutil.copy(server.access_path, args.samples.with_name(f"{args.samples.stem}-{server.access_path.name}"))
        verdict = check_writes(recorder.writes, entry_history({w.entry for w in recorder.writes}))
        connections.close_all()
        report(recorder, under_load, unloaded, elapsed, verdict, servers, args)
        print(f"CPU during the load: {', '.join(f'{group} {seconds:.0f} s' for group, seconds in cpu.items())} "
              f"of the {os.cpu_count() * elapsed:.0f} CPU-seconds {os.cpu_count()} CPUs have in {elapsed:.0f} s "
              f"(from /proc; the client is this script's simulated people).")
        print(f"The machine's CPUs over the load (/proc/stat): busy {machine['busy']:.0f} s, idle "
              f"{machine['idle']:.0f} s, stolen {machine['stolen']:.0f} s; the processes above account for "
              f"{sum(cpu.values()):.0f} s of the busy time.")
        print(f"Load average after the load: {' '.join(f'{x:.2f}' for x in load_average)} "
              f"({os.cpu_count()} CPUs; this machine runs other work too).")
        for server in servers:
            count, first = server.first_traceback()
            if count:
                print(f"\n{count} tracebacks in gunicorn {server.name}'s log; the first:\n{first}")
    except Exception as error:
        failed = True
        print(f"\nThe load test could not run: {error!r}", file=sys.stderr)
        for server in servers:
            print(f"\n-- gunicorn {server.name} (last lines of {server.log_path.name}):\n{server.log_tail()}",
                  file=sys.stderr)
    finally:
        signal.alarm(0)
        for server in servers:
            server.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        database.drop()
        shutil.rmtree(temporary, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

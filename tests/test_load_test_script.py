"""The pure parts of scripts/load_test.py: its percentiles, the pages it reads, and the check that
holds what the clients were told against the entries' history (the run itself is a measurement)."""

import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "scripts" / "load_test.py"


@pytest.fixture(scope="module")
def load_test():
    spec = importlib.util.spec_from_file_location("load_test_script", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_percentile_is_the_nearest_rank(load_test):
    values = [float(n) for n in range(1, 101)]
    assert load_test.percentile(values, 50) == 50
    assert load_test.percentile(values, 95) == 95
    assert load_test.percentile(values, 99) == 99
    assert load_test.percentile(list(reversed(values)), 100) == 100
    assert load_test.percentile([3.0], 95) == 3.0
    assert load_test.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def write(load_test, action="save", entry=1, version=1, text="a", state=None, outcome="ok", user="c1"):
    return load_test.Write(user, entry, action, version, text, state, outcome, 302 if outcome == "ok" else 409)


def test_an_acknowledged_save_in_the_history_is_kept(load_test):
    Row = load_test.Row
    history = {1: [Row(1, "", "draft"), Row(2, "a", "draft"), Row(3, "b", "draft"), Row(4, "b", "submitted")]}
    writes = [write(load_test, text="a"), write(load_test, "submit", version=2, text="b", state="submitted")]
    verdict = load_test.check_writes(writes, history)
    assert verdict.acknowledged == 2
    assert verdict.lost == [] and verdict.unreported == []


def test_a_save_the_client_saw_succeed_but_missing_is_lost(load_test):
    Row = load_test.Row
    # The client was told "saved" from version 1, but version 2 holds someone else's text.
    history = {1: [Row(1, "", "draft"), Row(2, "other", "draft")]}
    verdict = load_test.check_writes([write(load_test, text="mine")], history)
    assert [w.text for w in verdict.lost] == ["mine"]
    # A transition is lost when its version does not have its state.
    history = {2: [Row(3, "x", "submitted"), Row(4, "x", "submitted")]}
    verdict = load_test.check_writes([write(load_test, "approve", entry=2, version=3, text=None, state="approved")],
                                     history)
    assert len(verdict.lost) == 1


def test_conflicts_are_confirmed_by_a_later_version_and_must_not_write(load_test):
    Row = load_test.Row
    history = {1: [Row(1, "", "draft"), Row(2, "first", "draft"), Row(3, "refused", "draft")]}
    writes = [write(load_test, text="first"),
              write(load_test, text="second", outcome="conflict", user="c2"),
              write(load_test, version=2, text="refused", outcome="conflict", user="c3")]
    verdict = load_test.check_writes(writes, history)
    assert verdict.conflicts == 2
    assert verdict.conflicts_confirmed == 1
    assert [w.text for w in verdict.conflicts_written] == ["refused"]


def test_two_writers_told_they_made_one_version_are_an_unreported_conflict(load_test):
    Row = load_test.Row
    history = {1: [Row(1, "", "draft"), Row(2, "a", "draft"), Row(2, "b", "draft")]}
    writes = [write(load_test, text="a"), write(load_test, text="b", user="c2")]
    verdict = load_test.check_writes(writes, history)
    assert verdict.lost == []
    assert verdict.unreported == ["entry 1: 2 writers told they made version 2", "entry 1: version 2 written 2 ways"]


def test_the_pages_are_read_as_a_person_reads_them(load_test):
    listing = ('<a href="/entries/9/">notice</a><table><tr><th>事業</th></tr>'
               '<tr><th><a href="/entries/3/">A</a></th><td><span class="state state-draft">下書き</span></td></tr>'
               '<tr><th><a href="/entries/4/">B</a></th><td><span class="state state-approved">承認済</span></td></tr>'
               "</table>")
    assert load_test.listed_entries(listing) == [(3, "draft"), (4, "approved")]
    assert load_test.queued_entries(listing) == [3, 4]
    page = ('<form method="post" action="/entries/3/edit/" novalidate><input type="hidden" name="version" value="7" '
            'id="id_version"><button type="submit" name="intent" value="save">下書き保存</button></form>'
            '<form method="post" action="/entries/3/approve/" class="action-form">'
            '<input type="hidden" name="version" value="7"></form>')
    assert load_test.form_version(page, "edit") == 7
    assert load_test.form_version(page, "approve") == 7
    assert load_test.form_version(page, "reopen") is None
    correct_only = page.replace('value="save"', 'value="correct"')  # a reviewer's form: not the clerk's to save
    assert load_test.form_version(correct_only, "edit") is None


def test_clerks_are_spread_by_entries_with_one_each_first(load_test):
    assert load_test.spread(2, {10: 5, 20: 1, 30: 3}) == [10, 30]
    spread = load_test.spread(9, {10: 20, 20: 2, 30: 8})
    assert sorted(spread) == sorted([10] * 5 + [20] + [30] * 3)


def test_multipart_carries_fields_and_the_file(load_test):
    body, content_type = load_test.multipart({"upload-department": "5"}, {"upload-file": ("s.xlsx", b"PK\x03", "x/y")})
    boundary = content_type.split("boundary=")[1]
    assert body.startswith(f"--{boundary}\r\n".encode()) and body.endswith(f"--{boundary}--\r\n".encode())
    assert b'name="upload-department"\r\n\r\n5\r\n' in body
    assert b'filename="s.xlsx"\r\nContent-Type: x/y\r\n\r\nPK\x03\r\n' in body


def test_cpu_is_counted_for_the_client_the_servers_their_workers_and_postgresql(load_test):
    stats = {
        10: (1, "python", 4.0),  # the script
        20: (10, "gunicorn", 0.5), 21: (20, "gunicorn", 7.0), 22: (20, "gunicorn", 6.0),  # a server, two workers
        30: (1, "postgres", 0.2), 31: (30, "postgres: postgres load_test", 3.0),
        40: (1, "redis-server", 0.1),
    }
    groups = load_test.cpu_by_group(stats, own=10, servers={20})
    assert groups == {"client": 4.0, "servers": 13.5, "postgres": 3.2, "other": 0.1}


def test_process_cpu_is_read_from_proc_with_this_process_in_it(load_test):
    import os

    found = load_test.read_process_cpu()
    parent, name, seconds = found[os.getpid()]
    assert parent == os.getppid() and name and seconds > 0


def test_the_machines_busy_and_idle_time_is_read_from_proc_stat(load_test):
    text = "cpu  5575 10 311 3 1 0 105 5 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"
    assert load_test.machine_cpu(text, ticks=100) == {"busy": 60.01, "idle": 0.04, "stolen": 0.05}


def test_the_machines_cpu_grows_between_two_readings(load_test):
    before = load_test.read_machine_cpu()
    sum(range(2_000_000))
    after = load_test.read_machine_cpu()
    assert after["busy"] + after["idle"] > before["busy"] + before["idle"]

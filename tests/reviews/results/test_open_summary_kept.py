"""The open round's provisional summary is kept by each server between the changes it counts: the
departments' drafts, saved all day, do not make the next reviewer wait for the whole count again,
but a submission, an approval, a return, an admin's edit, a renamed department, another server's
change or an entry loaded without signals shows at once."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Department
from reviews import kept as keepers
from reviews.entries import workflow
from reviews.models import Entry
from reviews.public import cache as public
from reviews.results import summary as summaries
from reviews.results.summary import round_summary
from tests.factories import FILLED, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def counts(monkeypatch):
    """How many times the summary was worked out (not served as kept)."""
    calls = []
    original = summaries._summary

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(summaries, "_summary", counting)
    return calls


def ours(open_round):
    return list(Entry.objects.filter(round=open_round, project__departments__name="商工観光課").order_by("pk"))


def totals(open_round) -> tuple[int, int, int, int]:
    total = round_summary(open_round).total
    return (total.A, total.B, total.C, total.D)


def test_a_reviewer_opening_the_summary_again_waits_for_no_count_until_an_entry_is_counted(
        open_round, staff_a, reviewer, counts):
    first, second = ours(open_round)[:2]
    assert totals(open_round) == (0, 0, 0, 0) and len(counts) == 1
    assert totals(open_round) == (0, 0, 0, 0) and len(counts) == 1  # kept

    workflow.save_draft(second, by=staff_a, version=second.version, **{**FILLED, "status": "B"})
    assert totals(open_round) == (0, 0, 0, 0) and len(counts) == 1  # a draft is not counted: still kept

    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "D"})
    assert totals(open_round) == (0, 0, 0, 1) and len(counts) == 2
    first.refresh_from_db()
    workflow.approve(first, by=reviewer, version=first.version)
    assert totals(open_round) == (0, 0, 0, 1) and len(counts) == 3  # approved: counted again, the same letter
    first.refresh_from_db()
    workflow.reopen(first, by=reviewer, version=first.version, comment="見直してください")
    # No longer counted: the counted entries are again what they were at first, so the first counts serve.
    assert totals(open_round) == (0, 0, 0, 0) and len(counts) == 3


def test_a_returned_entry_leaves_the_kept_summary_at_once(open_round, staff_a, reviewer):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    assert totals(open_round) == (1, 0, 0, 0)
    first.refresh_from_db()
    workflow.return_entry(first, by=reviewer, version=first.version, comment="数字を確かめてください")
    assert totals(open_round) == (0, 0, 0, 0)


def test_a_letter_changed_in_the_admin_on_a_counted_entry_shows_at_once(open_round, staff_a):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    assert totals(open_round) == (1, 0, 0, 0)
    first.refresh_from_db()
    first.status = "C"
    first.save()  # as the admin's change form saves it
    assert totals(open_round) == (0, 0, 1, 0)


def test_a_renamed_department_shows_in_the_kept_summary_at_once(open_round, staff_a):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    assert "商工観光課" in [row.label for row in round_summary(open_round).departments]
    department = Department.objects.get(name="商工観光課")
    department.name = "商工観光部"
    department.save()
    assert [row.label for row in round_summary(open_round).departments] == ["商工観光部"]


def test_another_servers_change_reaches_this_servers_kept_summary(open_round, counts):
    round_summary(open_round)
    round_summary(open_round)
    assert len(counts) == 1
    public._store_token("default")  # what another server writes after its commit (this process's generation stays)
    round_summary(open_round)
    assert len(counts) == 2


def test_an_entry_loaded_without_signals_is_counted_among_the_entries(open_round, staff_a, counts):
    project = make_project(Department.objects.get(name="商工観光課"), name="年度途中に加わった事業")
    assert round_summary(open_round).entry_count == 68
    Entry.objects.bulk_create([Entry(round=open_round, project=project)])  # as a sheet's load inserts: no signal
    assert round_summary(open_round).entry_count == 69 and len(counts) == 2


def test_a_kept_summary_is_counted_again_after_five_minutes(open_round, monkeypatch, counts):
    clock = [1000.0]
    monkeypatch.setattr(keepers.time, "monotonic", lambda: clock[0])
    round_summary(open_round)
    clock[0] += keepers.KEPT_SECONDS - 1
    round_summary(open_round)
    assert len(counts) == 1
    clock[0] += 2
    round_summary(open_round)
    assert len(counts) == 2


def test_the_kept_summary_page_asks_fewer_questions_than_the_first(client, open_round, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:round-summary", args=[open_round.pk])
    def page() -> str:  # the page without its form's CSRF token, which is masked anew each time
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(url).content.decode())

    with CaptureQueriesContext(connection) as first:
        before = page()
    with CaptureQueriesContext(connection) as again:
        assert page() == before
    assert len(again) < len(first)
    assert not any("GROUP BY" in query["sql"] for query in again.captured_queries)


def test_the_published_rounds_summary_is_still_kept_once_and_for_all(seed, counts):
    from reviews.models import Round

    published = Round.objects.get(fiscal_year=2017)
    assert round_summary(published).total.total == 68
    public._store_token("default")
    assert round_summary(published).total.total == 68
    assert len(counts) == 1
    assert timedelta(seconds=keepers.KEPT_SECONDS) == timedelta(minutes=5)

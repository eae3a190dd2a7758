"""The progress page is kept by each server between saves: a reviewer coming back to it, or several
reviewers at once, do not wait for the whole count again, but every save, submission, approval,
extension, new day, rename, another server's change or entry loaded without signals shows at once."""

import re
from dataclasses import asdict
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Department
from reviews import kept as keepers
from reviews.entries import workflow
from reviews.models import Entry
from reviews.public import cache as public
from reviews.rounds import life
from reviews.rounds import progress as progress_of
from reviews.rounds.progress import department_progress, kept_department_progress
from tests.factories import FILLED, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def counts(monkeypatch):
    """How many times progress was counted (not served as kept)."""
    calls = []
    original = progress_of.department_progress

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(progress_of, "department_progress", counting)
    return calls


def shoko(open_round, today):
    return next(row for row in kept_department_progress(open_round, today) if row.name == "商工観光課")


def as_counted_afresh(open_round, today) -> None:
    assert ([asdict(row) for row in kept_department_progress(open_round, today)]
            == [asdict(row) for row in department_progress(open_round, today)])


def test_a_reviewer_coming_back_sees_every_save_and_transition_at_once(open_round, staff_a, reviewer, counts):
    today = timezone.localdate()
    first, second = Entry.objects.filter(round=open_round, project__departments__name="商工観光課").order_by("pk")[:2]
    before = shoko(open_round, today)
    assert shoko(open_round, today) is before and len(counts) == 1  # nothing changed: kept
    assert before.last_worked is None

    workflow.save_draft(first, by=staff_a, version=first.version, **FILLED)
    row = shoko(open_round, today)
    assert row.last_worked is not None and len(counts) == 2  # a draft's save shows in 最後の作業
    workflow.submit(second, by=staff_a, version=second.version, confirmed=True, texts=FILLED)
    assert shoko(open_round, today).counts["submitted"] == 1
    second.refresh_from_db()
    workflow.approve(second, by=reviewer, version=second.version)
    assert shoko(open_round, today).counts == {"draft": row.counts["draft"] - 1, "submitted": 0, "returned": 0,
                                               "approved": 1}
    as_counted_afresh(open_round, today)


def test_an_extension_and_a_new_day_show_at_once(open_round, reviewer, counts):
    today = timezone.localdate()
    department = Department.objects.get(name="商工観光課")
    assert shoko(open_round, today).deadline == open_round.deadline
    life.extend_deadline(open_round, department, open_round.deadline + timedelta(days=7), by=reviewer)
    assert shoko(open_round, today).deadline == open_round.deadline + timedelta(days=7)
    # The day after the round's deadline: the other departments are late, 商工観光課 is not.
    after = open_round.deadline + timedelta(days=1)
    rows = kept_department_progress(open_round, after)
    assert not next(r for r in rows if r.name == "商工観光課").late and any(r.late for r in rows)
    as_counted_afresh(open_round, after)


def test_a_renamed_department_and_another_servers_change_show_at_once(open_round, counts):
    today = timezone.localdate()
    shoko(open_round, today)
    department = Department.objects.get(name="商工観光課")
    department.name = "商工観光部"
    department.save()
    assert "商工観光部" in [row.name for row in kept_department_progress(open_round, today)]
    calls = len(counts)
    public._store_token("default")  # what another server writes after its commit
    kept_department_progress(open_round, today)
    assert len(counts) == calls + 1


def test_an_entry_loaded_without_signals_is_counted(open_round):
    today = timezone.localdate()
    project = make_project(Department.objects.get(name="商工観光課"), name="年度途中に加わった事業")
    total = shoko(open_round, today).total
    Entry.objects.bulk_create([Entry(round=open_round, project=project)])  # no signal
    assert shoko(open_round, today).total == total + 1


def test_kept_progress_is_counted_again_after_five_minutes(open_round, monkeypatch, counts):
    clock = [1000.0]
    monkeypatch.setattr(keepers.time, "monotonic", lambda: clock[0])
    today = timezone.localdate()
    kept_department_progress(open_round, today)
    clock[0] += keepers.KEPT_SECONDS - 1
    kept_department_progress(open_round, today)
    assert len(counts) == 1
    clock[0] += 2
    kept_department_progress(open_round, today)
    assert len(counts) == 2


def test_the_page_opened_again_asks_no_grouped_question(client, open_round, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:progress", args=[open_round.pk])
    def page() -> str:  # without the sign-out form's CSRF token, masked anew each time
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", client.get(url).content.decode())

    first = page()
    with CaptureQueriesContext(connection) as again:
        assert page() == first
    assert not any("GROUP BY" in query["sql"] for query in again.captured_queries)

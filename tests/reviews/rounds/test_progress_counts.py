"""The progress page's numbers come from grouped queries; they must be exactly what the former
computation (every entry built as an object, counted in Python) gave, on the seed after the
changes a city makes in a year and on a generated large city."""

from dataclasses import asdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from projects.history import PROJECT_HISTORY_PREFETCH, departments_in
from projects.models import Department, Project
from reviews.changes import departments as department_changes
from reviews.models import Entry, Round
from reviews.rounds import life
from reviews.rounds.life import entry_deadline
from reviews.rounds.progress import DepartmentProgress, department_progress

pytestmark = pytest.mark.django_db


def progress_by_objects(round_: Round, today: date) -> list[DepartmentProgress]:
    """The former computation, kept here as the reference: one object per entry, counted in Python."""
    entries = (
        Entry.objects.filter(round=round_)
        .select_related("round", "project__policy__goal")
        .prefetch_related(*PROJECT_HISTORY_PREFETCH, "round__extensions")
    )
    rows: dict[str, DepartmentProgress] = {}
    for entry in entries:
        deadline = entry_deadline(entry)
        names = entry.facts.departments
        ids = [d.pk for d in departments_in(entry.project, round_.fiscal_year)]
        departments = list(zip(ids, names, strict=True)) if len(ids) == len(names) else [(None, n) for n in names]
        for department_id, name in departments:
            row = rows.setdefault(name, DepartmentProgress(department_id, name, deadline=deadline))
            row.total += 1
            row.counts[entry.state] += 1
            if deadline and (row.deadline is None or deadline > row.deadline):
                row.deadline = deadline
            if entry.is_unfinished and deadline and today > deadline and round_.state == Round.State.OPEN:
                row.late = True
            if entry.updated_by_id and (row.last_worked is None or entry.updated_at > row.last_worked):
                row.last_worked = entry.updated_at
    return sorted(rows.values(), key=lambda row: row.name)


def assert_same_progress(round_: Round, today: date) -> list[DepartmentProgress]:
    expected = [asdict(row) for row in progress_by_objects(round_, today)]
    actual = [asdict(row) for row in department_progress(round_, today)]
    assert actual == expected
    return department_progress(round_, today)


def work_on(round_: Round, user, pattern: str) -> None:
    """Give the round's entries states in a repeating pattern (d, s, r, a), as clerks left them."""
    states = {"d": Entry.State.DRAFT, "s": Entry.State.SUBMITTED, "r": Entry.State.RETURNED, "a": Entry.State.APPROVED}
    for i, entry in enumerate(Entry.objects.filter(round=round_).order_by("pk")):
        Entry.objects.filter(pk=entry.pk).update(state=states[pattern[i % len(pattern)]],
                                                 updated_by=user if i % 3 else None,
                                                 updated_at=timezone.now() - timedelta(hours=i))


def test_a_round_in_the_middle_of_its_year_counts_as_before_with_extensions_and_a_past_deadline(
        open_round, reviewer, admin_user):
    fy2017 = Round.objects.get(fiscal_year=2017)
    work_on(open_round, reviewer, "dsradsdra")
    shoko = Department.objects.get(name="商工観光課")
    hoken = Department.objects.get(name="地域保健課")
    kikaku = Department.objects.get(name="企画課")
    today = timezone.localdate()
    # A deadline passed; one department still has time, one's extension ran out, a parent's reaches its unit.
    Round.objects.filter(pk=open_round.pk).update(deadline=today - timedelta(days=5))
    open_round.refresh_from_db()
    life.extend_deadline(open_round, shoko, today + timedelta(days=3), by=reviewer)
    life.extend_deadline(open_round, hoken, today - timedelta(days=1), by=reviewer)
    sub_unit = Department.objects.filter(parent__isnull=False, project_links__isnull=False).select_related("parent").first()
    if sub_unit is not None:
        life.extend_deadline(open_round, sub_unit.parent, today + timedelta(days=1), by=reviewer)
    open_round = Round.objects.get(pk=open_round.pk)

    rows = assert_same_progress(open_round, today)
    assert any(row.late for row in rows) and not all(row.late for row in rows)
    assert next(row for row in rows if row.name == "商工観光課").deadline == today + timedelta(days=3)
    assert sum(row.total for row in rows) >= Entry.objects.filter(round=open_round).count()
    assert_same_progress(fy2017, today)

    # A year of changes: a department renamed and two merged from FY2019, a project moved from FY2018.
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度 実施事業評価",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    department_changes.rename_department(kikaku, name="企画政策課", year=2019, by=admin_user, reason="組織改正")
    department_changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user,
                                         reason="統合")
    project = Project.objects.filter(project_departments__department__name="広報課").first()
    department_changes.change_project_departments(project, [Department.objects.get(name="企画政策課")], year=2018,
                                                  by=admin_user, reason="移管")
    for round_ in (fy2017, Round.objects.get(pk=open_round.pk), fy2019):
        assert_same_progress(round_, today)
        assert_same_progress(round_, today + timedelta(days=10))


def test_a_round_without_a_deadline_is_late_only_where_an_extension_ran_out(open_round, reviewer):
    today = timezone.localdate()
    life.extend_deadline(open_round, Department.objects.get(name="商工観光課"), today + timedelta(days=40), by=reviewer)
    Round.objects.filter(pk=open_round.pk).update(deadline=None)
    round_ = Round.objects.get(pk=open_round.pk)
    rows = assert_same_progress(round_, today + timedelta(days=50))
    assert [row.name for row in rows if row.late] == ["商工観光課"]
    assert not any(row.late for row in assert_same_progress(round_, today))


def test_a_generated_large_city_counts_as_before_in_every_round(settings):
    settings.DEBUG = True  # the generator, like load_demo, is for development
    call_command("generate_installation", "--projects", "150", "--rounds", "3", "--departments", "60",
                 stdout=StringIO())
    today = timezone.localdate()
    rounds = list(Round.objects.annotate(n=Count("entries")).filter(n__gt=0).order_by("fiscal_year"))
    assert len(rounds) >= 3 and Round.objects.filter(state=Round.State.OPEN).exists()
    shared = Project.objects.annotate(n=Count("project_departments")).filter(n__gt=1).first()
    open_round = Round.objects.get(state=Round.State.OPEN)
    life.extend_deadline(open_round, shared.departments.first(), open_round.deadline + timedelta(days=7), by=None,
                         system=True)
    # Before the deadline, between it and the extension (some late, the extended not), after both.
    days = (today, open_round.deadline + timedelta(days=3), open_round.deadline + timedelta(days=30))
    assert any(row.late for row in department_progress(open_round, days[1]))
    for round_ in rounds:
        for day in days:
            rows = assert_same_progress(Round.objects.get(pk=round_.pk), day)
            assert sum(row.total for row in rows) >= round_.n

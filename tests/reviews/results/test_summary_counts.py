"""A round not yet published is summarised by grouped queries; the result must be exactly what
counting each entry's facts gives (how a published round is counted), on the seed after the
changes a city makes in a year and on a generated large city."""

from dataclasses import asdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from projects.models import Department, Project
from reviews.changes import departments as department_changes
from reviews.changes import projects as project_changes
from reviews.models import Entry, Round
from reviews.results import summary as summaries
from reviews.rounds import life
from reviews.rounds.life import previous_round

pytestmark = pytest.mark.django_db


def by_facts(round_: Round) -> dict:
    """The reference: every entry's facts built and counted in Python."""
    counted = summaries._count(round_)
    return asdict(summaries._summary_of_facts(round_, counted, previous_round(round_), False))


def assert_same_summary(round_: Round) -> summaries.Summary:
    round_ = Round.objects.get(pk=round_.pk)
    assert round_.state != Round.State.PUBLISHED
    summary = summaries.round_summary(round_)
    assert asdict(summary) == by_facts(round_)
    return summary


def work_on(round_: Round, states: str, letters: str) -> None:
    """Give the round's entries states and letters in repeating patterns, as clerks left them."""
    state_of = {"d": Entry.State.DRAFT, "s": Entry.State.SUBMITTED, "r": Entry.State.RETURNED, "a": Entry.State.APPROVED}
    for i, pk in enumerate(Entry.objects.filter(round=round_).order_by("pk").values_list("pk", flat=True)):
        letter = letters[i % len(letters)]
        Entry.objects.filter(pk=pk).update(state=state_of[states[i % len(states)]], status="" if letter == "-" else letter)


def test_an_open_round_counts_as_its_facts_do_before_and_after_a_years_changes(open_round, admin_user):
    work_on(open_round, "sadsrasa", "ABCDA-BDCA")
    summary = assert_same_summary(open_round)
    assert summary.total.total > 0 and summary.shared_projects == 2 and summary.change is not None
    assert summary.change.rose and summary.change.fell

    # From FY2019 a department is renamed and two merged; from FY2018 a project moves to another
    # department and another is renamed (FY2018 shows the new, FY2017's names stay as published).
    kikaku = Department.objects.get(name="企画課")
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度 実施事業評価",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    department_changes.rename_department(kikaku, name="企画政策課", year=2019, by=admin_user, reason="組織改正")
    department_changes.merge_departments([Department.objects.get(name="商工観光課"),
                                          Department.objects.get(name="地域保健課")],
                                         new_name="産業保健部", year=2019, by=admin_user, reason="統合")
    moved = Project.objects.filter(project_departments__department__name="広報課").first()
    department_changes.change_project_departments(moved, [Department.objects.get(name="企画政策課")], year=2018,
                                                  by=admin_user, reason="移管")
    renamed = Project.objects.get(name="企業等誘致事業")
    project_changes.rename_project(renamed, name="企業誘致推進事業", year=2019, by=admin_user, reason="名称変更")
    work_on(fy2019, "asssa", "DCBA-")

    for round_ in (open_round, fy2019):
        summary = assert_same_summary(round_)
        assert summary.departments and summary.policies
    names = {row.label for row in assert_same_summary(fy2019).departments}
    assert "産業保健部" in names and "企画政策課" in names
    assert "企画課" in {row.label for row in assert_same_summary(open_round).departments}


def test_a_round_with_nothing_counted_yet_says_so_as_before(open_round):
    summary = assert_same_summary(open_round)  # every entry a draft
    assert summary.total.total == 0 and not summary.departments


def test_a_generated_large_city_counts_as_its_facts_do(settings):
    settings.DEBUG = True  # the generator, like load_demo, is for development
    call_command("generate_installation", "--projects", "150", "--rounds", "3", "--departments", "60",
                 stdout=StringIO())
    open_round = Round.objects.get(state=Round.State.OPEN)
    assert Project.objects.annotate(n=Count("project_departments")).filter(n__gt=1).exists()
    summary = assert_same_summary(open_round)
    assert summary.total.total > 50 and summary.shared_projects > 0 and len(summary.departments) > 20
    assert summary.change is not None and summary.change.rose and summary.change.fell


def test_a_project_shared_in_the_rounds_year_counts_as_shared_after_it_stops_being_and_the_reverse(
        open_round, admin_user):
    # From FY2019 a shared project has one department and a single one gains a second: FY2018 still
    # counts them as they were (the periods), FY2019 as they are (today's links).
    work_on(open_round, "s", "A")
    before = assert_same_summary(open_round).shared_projects
    shared = Project.objects.annotate(n=Count("project_departments")).filter(n=2).first()
    single = Project.objects.annotate(n=Count("project_departments")).filter(n=1).exclude(pk=shared.pk).first()
    kikaku = Department.objects.get(name="企画課")
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度 実施事業評価",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    department_changes.change_project_departments(shared, [shared.project_departments.first().department], year=2019,
                                                  by=admin_user, reason="単独へ")
    other = kikaku if single.project_departments.first().department != kikaku else Department.objects.get(name="広報課")
    department_changes.change_project_departments(single, [single.project_departments.first().department, other],
                                                  year=2019, by=admin_user, reason="共管へ")
    work_on(fy2019, "s", "B")
    assert assert_same_summary(open_round).shared_projects == before
    assert assert_same_summary(fy2019).shared_projects == before  # one fewer, one more
    counted = summaries._counted_entries(fy2019)
    assert summaries._shared(counted.filter(project=single), 2019) == 1
    assert summaries._shared(counted.filter(project=shared), 2019) == 0
    assert summaries._shared(summaries._counted_entries(open_round).filter(project=shared), 2018) == 1

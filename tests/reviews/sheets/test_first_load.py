"""A sheet loaded into an empty installation creates everything in bulk (issue 15, item 3): the
same rows as one by one, with each entry's history, event and search row, in a number of
queries that does not grow with the sheet."""

import copy
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects.models import Department, Goal, Policy, Project
from reviews.models import Entry, EntrySearch, Event, Round
from reviews.search.query import search
from reviews.sheets.loading import import_new_round
from reviews.sheets.workbook.document import SheetDocument, SheetGoal, SheetPolicy, SheetProject
from tests.factories import make_user
from tests.projects.test_resources import empty_the_database
from tests.reviews.sheets.test_sheet_import import database_state
from tests.reviews.sheets.workbook.make_golden import seed_document

pytestmark = pytest.mark.django_db


def copies(doc: SheetDocument, times: int) -> SheetDocument:
    """The seed with each policy's projects repeated under numbered names (a bigger city)."""
    doc = copy.deepcopy(doc)
    for goal in doc.goals:
        for policy in goal.policies:
            originals = policy.projects
            policy.projects = [replace(project, name=f"{project.name}（{n}）") if n > 1 else project
                               for n in range(1, times + 1) for project in originals]
    return doc


def test_a_first_load_creates_the_hierarchy_the_round_and_each_entrys_history_event_and_search_row(db):
    clerk = make_user("loader", reviewer=True)
    before = timezone.now()
    result = import_new_round(seed_document(), fiscal_year=2017, historical=True, by=clerk)

    assert result.applied, [str(e) for e in result.errors]
    assert (Department.objects.count(), Goal.objects.count(), Policy.objects.count(), Project.objects.count()) == (
        15, 4, 10, 68)
    assert Department.objects.get(name="青少年課（児童センター）").parent.name == "青少年課"
    for policy in Policy.objects.all():
        assert list(policy.projects.order_by("order").values_list("order", flat=True)) == list(
            range(1, policy.projects.count() + 1))
    entries = list(Entry.objects.filter(round=result.round).select_related("project", "round"))
    assert len(entries) == 68 and {e.state for e in entries} == {Entry.State.APPROVED}
    # The search rows are what Entry.save would have written.
    stored = {row.entry_id: (row.text, row.departments, row.goal) for row in EntrySearch.objects.all()}
    assert stored == {e.pk: (row.text, row.departments, row.goal) for e in entries for row in [e.search_row()]}
    assert [hit.facts.project_name for hit in search(Entry.objects.all(), q="ﾌﾞｯｸｽﾀｰﾄ").hits] == ["ブックスタート事業"]
    # Each entry's history says who loaded it; each has its one event.
    assert sorted(Entry.history.values_list("history_type", "history_user")) == [("+", clerk.pk)] * 68
    events = list(Event.objects.all())
    assert sorted(e.entry_id for e in events) == sorted(e.pk for e in entries)
    assert {(e.action, e.from_state, e.to_state, e.actor_id, e.comment, str(e.snapshot)) for e in events} == {
        (Event.Action.IMPORT, "", Entry.State.APPROVED, clerk.pk, "入力表から取り込みました。", "{}")}
    assert all(before <= e.created_at <= timezone.now() + timedelta(seconds=1) for e in events)


def test_a_first_load_takes_as_many_queries_for_three_times_the_projects(db):
    def queries(doc: SheetDocument, year: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert import_new_round(doc, fiscal_year=year, historical=True).applied
        return len(captured)

    small = queries(seed_document(), 2017)
    empty_the_database()
    big = queries(copies(seed_document(), 3), 2017)
    assert Project.objects.count() == 3 * 68
    # A few more batches of rows (SQLite takes at most 999 values a statement), never a query a row.
    assert big - small <= 10, (small, big)


def test_new_projects_and_policies_are_numbered_after_the_existing_ones(seed):
    doc = seed_document()
    first_goal = doc.goals[0]
    first_goal.policies[0].projects.append(SheetProject(
        name="新しい事業", status="A", category="新規", description="新しい", implementation="実施",
        evaluation="評価", future_policy="方針", departments=["商工観光課", "新設の課（分室）"]))
    first_goal.policies.append(SheetPolicy("新しい施策", [SheetProject(
        name="新しい施策の事業", status="B", category="継続", description="", implementation="",
        evaluation="", future_policy="", departments=["新設の課"])]))
    doc.goals.append(SheetGoal(5, "新しい目標", "新プロジェクト", [SheetPolicy("目標5の施策", [SheetProject(
        name="目標5の事業", status="", category="継続", description="", implementation="", evaluation="",
        future_policy="", departments=["企画課"])])]))

    result = import_new_round(doc, fiscal_year=2018, allow_new_departments=True)

    assert result.applied, [str(e) for e in result.errors]
    assert result.created == ["部署「新設の課」", "部署「新設の課（分室）」", "評価回「平成30年度 実施事業評価」",
                              "事業「新しい事業」", "基本施策「新しい施策」", "事業「新しい施策の事業」",
                              "基本目標「5 新しい目標」", "基本施策「目標5の施策」", "事業「目標5の事業」"]
    policy = Policy.objects.get(goal__number=1, order=1)
    new = Project.objects.get(name="新しい事業")
    assert new.policy == policy and new.order == policy.projects.count()
    assert [d.name for d in new.ordered_departments()] == ["商工観光課", "新設の課（分室）"]
    assert Department.objects.get(name="新設の課（分室）").parent == Department.objects.get(name="新設の課")
    assert Policy.objects.get(title="新しい施策").order == Policy.objects.filter(goal__number=1).count()
    assert Project.objects.get(name="目標5の事業").policy.goal.project_label == "新プロジェクト"
    assert result.round.entries.count() == 71
    assert EntrySearch.objects.filter(entry__round=result.round).count() == 71
    assert Event.objects.filter(entry__round=result.round).count() == 71


def test_a_load_that_fails_while_writing_leaves_nothing_behind(db):
    """Two rows of one name in a new policy (the reader refuses them first): the database refuses
    the second project, and the whole load is undone."""
    row = SheetProject(name="同じ名前", status="A", category="継続", description="", implementation="",
                       evaluation="", future_policy="", departments=["企画課"])
    doc = SheetDocument(title="", document_label="資料1", legend_paragraphs=[], implementation_heading="実施内容",
                        goals=[SheetGoal(1, "目標", "", [SheetPolicy("施策", [row, copy.deepcopy(row)])])])
    before = database_state()
    with pytest.raises(IntegrityError):
        import_new_round(doc, fiscal_year=2017, historical=True)
    assert database_state() == before
    assert not Round.objects.exists() and not Department.objects.exists()


def test_a_heading_longer_than_a_round_holds_is_refused_before_anything_is_created(seed):
    """The round is created past the model's validators: a 500 on PostgreSQL, a round nobody can edit."""
    doc = seed_document()
    doc.implementation_heading = "令和5年度の実施内容" + "あ" * 200
    before = database_state()
    result = import_new_round(doc, fiscal_year=2023)
    assert not result.applied
    assert any("実施内容の見出しが210文字あります" in error.message for error in result.errors)
    assert database_state() == before

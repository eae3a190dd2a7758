"""Projects over time: renamed, merged, retired and carried into a new strategy period, each from
a fiscal year; the story follows them and search finds them by any name (issue 14, item 3)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from projects.models import Change, Goal, Policy, Project, ProjectSuccession, Strategy
from reviews.changes import carry
from reviews.changes import projects as changes
from reviews.changes.common import ChangeError
from reviews.models import Entry, Round
from reviews.rounds import life
from reviews.search.query import search
from reviews.sheets.export import export_round
from tests.factories import make_round

KIDS = "キッズアカデミー（子供向け経済・産業講座）"
JUNIOR = "ジュニアエコノミースクール"


def cells(round_: Round) -> list[list]:
    stream = io.BytesIO()
    export_round(round_, stream)
    return [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active.iter_rows()]


@pytest.fixture
def fy2019(open_round):
    return life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度 実施事業評価",
                             implementation_heading="令和元年度の実施内容", legend="", deadline=None)


def test_a_project_renamed_and_moved_keeps_one_page_with_all_its_rounds(client, fy2019, open_round, admin_user,
                                                                         reviewer):
    from projects.models import Department
    from reviews.changes.departments import change_project_departments

    project = Project.objects.get(name=KIDS)
    changes.rename_project(project, name=JUNIOR, year=2018, by=admin_user, reason="事業名の変更")
    change_project_departments(Project.objects.get(pk=project.pk), [Department.objects.get(name="広報課")],
                               year=2019, by=admin_user, reason="移管")

    client.force_login(reviewer)
    page = client.get(reverse("reviews:project-story", args=[project.pk]))
    chapters = page.context["chapters"]
    assert [c.entry.round.fiscal_year for c in chapters] == [2017, 2018, 2019]
    assert chapters[0].facts.project_name == KIDS  # published as it was
    assert chapters[1].facts.project_name == JUNIOR and chapters[1].facts.departments == ("商工観光課",)
    assert chapters[2].facts.departments == ("広報課",)
    body = page.content.decode()
    assert "事業の変遷" in body and "平成29年度（2017年度）まで" in body and "事業の名称変更" in body and "事業の担当課の変更" in body


def test_search_finds_a_renamed_project_by_any_of_its_names(fy2019, open_round, admin_user):
    project = Project.objects.get(name=KIDS)
    changes.rename_project(project, name=JUNIOR, year=2019, by=admin_user, reason="事業名の変更")
    entries = Entry.objects.all()
    by_old = {hit.fiscal_year for hit in search(entries, q="キッズアカデミー").hits}
    by_new = {hit.fiscal_year for hit in search(entries, q="ｼﾞｭﾆｱｴｺﾉﾐｰ").hits}
    assert {2017, 2018, 2019} <= by_old and {2017, 2018, 2019} <= by_new


def test_a_rename_leaves_the_published_sheet_as_it_was(fy2019, open_round, admin_user):
    fy2017 = Round.objects.get(fiscal_year=2017)
    before = cells(fy2017), cells(open_round)
    changes.rename_project(Project.objects.get(name=KIDS), name=JUNIOR, year=2019, by=admin_user, reason="r")
    assert (cells(fy2017), cells(open_round)) == before
    assert any(JUNIOR in str(value) for row in cells(fy2019) for value in row)


def test_a_project_merged_into_another_ends_and_its_story_goes_on_in_the_other(client, open_round, admin_user,
                                                                                 reviewer):
    project = Project.objects.get(name=KIDS)
    into = Project.objects.filter(policy=project.policy).exclude(pk=project.pk).first()
    changes.merge_project(project, into=into, year=2019, by=admin_user, reason="統合")

    assert not Project.objects.get(pk=project.pk).active
    assert ProjectSuccession.objects.get().successor == into
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    assert not Entry.objects.filter(round=fy2019, project=project).exists()
    client.force_login(reviewer)
    chapters = client.get(reverse("reviews:project-story", args=[into.pk])).context["chapters"]
    assert {c.entry.project_id for c in chapters} == {project.pk, into.pk}
    assert [c.entry.round.fiscal_year for c in chapters if c.entry.project_id == into.pk] == [2017, 2018, 2019]


def test_a_project_with_an_entry_in_the_year_it_would_end_is_refused(fy2019, admin_user):
    project = Project.objects.get(name=KIDS)
    with pytest.raises(ChangeError, match="令和元年度の評価回に評価があります"):
        changes.retire_project(project, year=2019, by=admin_user, reason="終了")
    assert Project.objects.get(pk=project.pk).active and not Change.objects.exists()


def test_a_retired_project_gets_no_entry_in_the_next_round(open_round, admin_user):
    project = Project.objects.get(name=KIDS)
    changes.retire_project(project, year=2019, by=admin_user, reason="事業終了")
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度",
                               implementation_heading="h", legend="", deadline=None)
    assert not Entry.objects.filter(round=fy2019, project=project).exists()
    assert Change.objects.get().kind == Change.Kind.PROJECT_RETIRE


def carry_into_second_period(old: Strategy, admin_user, end: str = "") -> Strategy:
    goals = carry.parse_hierarchy(carry.hierarchy_text(old))
    mapping = carry.default_mapping(old, goals)
    if end:
        mapping[Project.objects.get(name=end).pk] = carry.END
    carry.carry_strategy(old, carry.NewStrategy("第2期入間市総合戦略", "senryaku-2020", 2020, 2024), goals, mapping,
                         by=admin_user, reason="第2期の策定")
    return Strategy.objects.get(code="senryaku-2020")


def test_a_carry_into_a_second_period_leaves_the_first_periods_rounds_unchanged_and_the_story_continuous(
        client, open_round, admin_user, reviewer):
    old = open_round.strategy
    fy2017 = Round.objects.get(fiscal_year=2017)
    before = cells(fy2017), cells(open_round)
    kids = Project.objects.get(name=KIDS)

    new = carry_into_second_period(old, admin_user, end="企業等誘致事業")

    assert (cells(fy2017), cells(open_round)) == before
    assert Goal.objects.filter(strategy=new).count() == Goal.objects.filter(strategy=old).count()
    assert Policy.objects.filter(goal__strategy=new).count() == Policy.objects.filter(goal__strategy=old).count()
    successor = ProjectSuccession.objects.get(predecessor=kids).successor
    assert successor.policy.goal.strategy == new and successor.category == Project.Category.CONTINUING
    assert successor.ordered_departments() == kids.ordered_departments()
    assert not Project.objects.filter(policy__goal__strategy=new, name="企業等誘致事業").exists()
    assert not Project.objects.filter(policy__goal__strategy=old, active=True).exists()
    # The second period's first round, and the story across both periods.
    fy2020 = life.create_round(None, strategy=new, by=None, system=True, fiscal_year=2020, title="令和2年度",
                               implementation_heading="令和2年度の実施内容", legend="", deadline=None)
    assert Entry.objects.filter(round=fy2020).count() == Project.objects.filter(policy__goal__strategy=new).count()
    client.force_login(reviewer)
    chapters = client.get(reverse("reviews:project-story", args=[successor.pk])).context["chapters"]
    assert [c.entry.round.fiscal_year for c in chapters] == [2017, 2018, 2020]


def test_a_carry_refuses_a_project_without_a_destination_and_writes_nothing(open_round, admin_user):
    old = open_round.strategy
    goals = carry.parse_hierarchy(carry.hierarchy_text(old))
    mapping = carry.default_mapping(old, goals)
    mapping.pop(Project.objects.get(name=KIDS).pk)
    with pytest.raises(ChangeError, match="引継ぎ先"):
        carry.carry_strategy(old, carry.NewStrategy("第2期", "", 2020, None), goals, mapping, by=admin_user,
                             reason="r")
    assert Strategy.objects.count() == 1 and not Change.objects.exists()


@pytest.mark.parametrize("text, message", [
    ("しごとの場を創る", "最初の行は基本目標"),
    ("1 目標\n1 目標の二つ目\n　施策", "2回あります"),
    ("1 目標", "基本施策"),
])
def test_a_hierarchy_that_cannot_be_read_names_its_line(text, message):
    with pytest.raises(ChangeError, match=message):
        carry.parse_hierarchy(text)


def test_the_hierarchy_text_reads_back_as_the_strategy_it_came_from(seed):
    strategy = Strategy.objects.get()
    goals = carry.parse_hierarchy(carry.hierarchy_text(strategy))
    assert [(g.number, g.title, g.project_label) for g in goals] == list(
        strategy.goals.order_by("number").values_list("number", "title", "project_label"))
    assert [p.title for g in goals for p in g.policies] == list(
        Policy.objects.filter(goal__strategy=strategy).order_by("goal__number", "order").values_list("title", flat=True))


def test_a_round_of_another_strategy_in_the_same_year_is_not_touched_by_a_rename(open_round, admin_user):
    other = Strategy.objects.create(name="デジタル田園都市構想総合戦略", first_year=2018)
    other_round = make_round(2018, strategy=other)
    changes.rename_project(Project.objects.get(name=KIDS), name=JUNIOR, year=2018, by=admin_user, reason="r")
    assert not Entry.objects.filter(round=other_round).exists()

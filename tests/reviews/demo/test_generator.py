"""`python manage.py generate_installation`: a large city for measuring, only where nobody's work can be lost."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from projects.access import departments_of
from projects.models import Department, Goal, Project, Strategy
from reviews.demo.users import DEMO_PASSWORD, DEMO_USERS
from reviews.models import Entry, EntrySearch, Event, Round, RoundEvent, SheetUpload
from tests.factories import make_user
from tests.test_smoke import app_routes, urls_for

pytestmark = pytest.mark.django_db

SMALL = ("--projects", "100", "--rounds", "3", "--departments", "60")


@pytest.fixture(autouse=True)
def development_settings(settings):
    """The test runner turns DEBUG off; the generator, like load_demo, is for development."""
    settings.DEBUG = True


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_installation", *(args or SMALL), stdout=out)
    return out.getvalue()


def nothing_generated() -> bool:
    return not Entry.objects.filter(round__fiscal_year__lt=2017).exists() and Project.objects.count() <= 68


# Refusals ------------------------------------------------------------------------------------------

def test_it_refuses_a_database_with_a_user_other_than_the_demo_users():
    make_user("tanaka", "総務課")
    with pytest.raises(CommandError, match="デモ用以外の利用者がいます（tanaka）"):
        generate()
    assert Round.objects.count() == 0 and Project.objects.count() == 0


def test_it_refuses_a_round_other_than_the_demos(seed):
    Round.objects.create(strategy=seed.round.strategy, fiscal_year=2016, title="平成28年度 実施事業評価",
                         implementation_heading="平成28年度の実施内容", state=Round.State.PUBLISHED)
    with pytest.raises(CommandError, match="デモ以外の評価回があります（平成28年度 実施事業評価）"):
        generate()
    assert nothing_generated()


def test_it_refuses_a_round_of_another_strategy_in_a_demo_year(seed):
    other = Strategy.objects.create(name="入間市デジタル田園都市構想総合戦略", first_year=2018)
    Round.objects.create(strategy=other, fiscal_year=2018, title="平成30年度 実施事業評価",
                         implementation_heading="平成30年度の実施内容")
    with pytest.raises(CommandError, match="デモ以外の総合戦略があります"):
        generate()
    assert nothing_generated()


def test_it_refuses_a_database_with_an_upload(seed):
    SheetUpload.objects.create(round=seed.round, kind=SheetUpload.Kind.UPDATE, file="sheets/2026/12/入力表.xlsx",
                               original_name="入力表.xlsx")
    with pytest.raises(CommandError, match="入力表の取込みの記録があります（1 件）"):
        generate()
    assert nothing_generated()


def test_it_refuses_a_hierarchy_entered_without_the_seed():
    Department.objects.create(name="総務課")
    with pytest.raises(CommandError, match="部署・基本目標・事業が登録されています"):
        generate()
    assert Round.objects.count() == 0 and Department.objects.count() == 1


@pytest.mark.parametrize("added", ["department", "project", "policy", "goal"])
def test_it_refuses_a_department_project_policy_or_goal_added_to_the_seeds(seed, added):
    # An administrator's new department passed before: it was built around as if it were the seed's.
    project = Project.objects.first()
    if added == "department":
        Department.objects.create(name="本物の新設課")
    elif added == "project":
        Project.objects.create(name="新しい事業", policy=project.policy, order=999, category=project.category)
    elif added == "policy":
        project.policy.goal.policies.create(title="新しい基本施策", order=99)
    else:
        project.policy.goal.strategy.goals.create(number=9, title="新しい基本目標")
    with pytest.raises(CommandError, match="初期データにない"):
        generate()
    assert Round.objects.count() == 1 and not Entry.objects.filter(round__fiscal_year__lt=2017).exists()


def test_force_only_allows_production_settings_and_never_overrides_a_refusal(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG が無効"):
        generate(*SMALL)
    make_user("tanaka")
    with pytest.raises(CommandError, match="デモ用以外の利用者"):
        generate(*SMALL, "--force")
    assert Round.objects.count() == 0


# A small city ---------------------------------------------------------------------------------------

@pytest.fixture
def small_city() -> str:
    return generate()


def test_a_small_run_on_an_empty_database_creates_what_it_says(small_city):
    assert Project.objects.count() == 100
    assert Department.objects.count() == 60
    assert Department.objects.filter(parent__isnull=False).count() > 20  # sub-units printed 課（係）
    assert all(d.name.startswith(d.parent.name + "（") for d in Department.objects.filter(parent__isnull=False))
    years = list(Round.objects.order_by("fiscal_year").values_list("fiscal_year", "state"))
    assert years == [(2016, "published"), (2017, "published"), (2018, "open")]
    assert Strategy.objects.get().first_year <= 2016  # the strategy covers every round
    assert Entry.objects.count() == 300
    assert set(Round.objects.annotate(n=Count("entries")).values_list("n", flat=True)) == {100}
    assert sorted(u.username for u in get_user_model().objects.all()) == sorted(d.username for d in DEMO_USERS)
    for line in ("部署: 60 件", "事業: 100 件", "評価回: 3 件", "評価: 300 件", "評価の検索用データ: 300 件", "所要時間"):
        assert line in small_city


def test_every_entry_has_its_search_row_as_entry_save_would_write_it(small_city):
    assert EntrySearch.objects.count() == Entry.objects.count()
    for entry in Entry.objects.select_related("round", "project", "search"):
        row = entry.search_row()
        assert (entry.search.text, entry.search.departments, entry.search.goal) == (row.text, row.departments, row.goal)


def test_published_rounds_are_approved_with_captured_facts_and_their_years_events(small_city):
    published = Entry.objects.filter(round__state=Round.State.PUBLISHED)
    assert not published.exclude(state=Entry.State.APPROVED).exists()
    assert not published.filter(published_facts={}).exists()
    assert not published.exclude(status__in="ABCD").exists()
    generated = Entry.objects.filter(round__fiscal_year=2016)
    for entry in generated:
        assert entry.facts.project_name == entry.project.name or entry.project.former_names.exists()
        assert [e.action for e in entry.events.order_by("created_at", "pk")] == ["create", "submit", "approve"]
        assert {e.created_at.year for e in entry.events.all()} == {2017}
        assert entry.history.count() == 1
    round_ = Round.objects.get(fiscal_year=2016)
    assert round_.published_strategy_name == round_.strategy.name
    assert list(RoundEvent.objects.filter(round=round_).order_by("created_at").values_list("action", flat=True)) == [
        "create", "deadline", "open", "close", "publish"]
    # The seed's rename (from FY2018) shows in the earlier rounds as the old name.
    renamed = Entry.objects.get(round__fiscal_year=2016, project__name__startswith="ジュニアエコノミースクール")
    assert renamed.facts.project_name.startswith("キッズアカデミー")


def test_the_open_round_stands_where_work_stands_weeks_after_opening(small_city):
    entries = Entry.objects.filter(round__fiscal_year=2018)
    states = dict(entries.values_list("state").annotate(n=Count("pk")))
    assert set(states) == {"draft", "submitted", "returned", "approved"}
    assert not entries.filter(published_facts__gt={}).exclude(published_facts={}).exists()
    for entry in entries.exclude(state=Entry.State.DRAFT):
        assert entry.status and entry.implementation and entry.evaluation and entry.future_policy
        assert entry.events.filter(action=Event.Action.SUBMIT).get().snapshot["implementation"] == entry.implementation
    assert not entries.filter(status="D").exclude(implementation__contains="未実施").exists()
    assert not entries.filter(~Q(events__action=Event.Action.CREATE)).exists()
    # Generated texts differ from entry to entry (the seed's own sheet repeats a few).
    texts = list(Entry.objects.exclude(implementation="").exclude(events__action=Event.Action.IMPORT)
                 .values_list("implementation", flat=True))
    assert len(set(texts)) == len(texts)


def test_the_demo_users_work_in_the_generated_city(small_city, client):
    shoko = get_user_model().objects.get(username="shoko")
    assert shoko.check_password(DEMO_PASSWORD)
    assert [d.name for d in departments_of(shoko)] == ["商工観光課"]
    assert Goal.objects.count() == 4  # 100 projects need no goals beyond the seed's


def test_every_page_of_the_smoke_set_opens_for_a_reviewer(small_city, client):
    client.force_login(get_user_model().objects.get(username="kikaku1"))
    entry = Entry.objects.filter(round__fiscal_year=2018, state=Entry.State.SUBMITTED).first()
    page = client.get(f"/entries/{entry.pk}/")
    assert page.status_code == 200 and entry.implementation in page.content.decode()
    failures = []
    for name, route in app_routes():
        for url in urls_for(name, route):
            for method in (client.get, client.post):
                status = method(url).status_code
                if status >= 500:
                    failures.append(f"{method.__name__.upper()} {url}: {status}")
    assert failures == []


def test_it_builds_on_the_demos_data_and_keeps_it(client):
    call_command("load_demo", stdout=StringIO())
    demo_entries = set(Entry.objects.values_list("pk", "project_id", "round_id"))
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-the-user")
    admin.save()
    generate()
    assert demo_entries <= set(Entry.objects.values_list("pk", "project_id", "round_id"))
    assert get_user_model().objects.get(username="admin").check_password("changed-by-the-user")
    assert Entry.objects.count() == 300
    with pytest.raises(CommandError, match="デモ以外の評価回があります"):  # never twice
        generate()

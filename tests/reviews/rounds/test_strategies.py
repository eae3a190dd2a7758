"""Several plans in one system (issue 14, item 1): each strategy has its own rounds, sheets and
commands; where one strategy is active the year alone still names a round."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.models import Goal, Policy, Strategy
from reviews.models import Entry, Round, RoundEvent
from reviews.rounds import life
from reviews.rounds.year import StrategyNeeded, find_round, strategies_active_in
from reviews.sheets.export import export_round
from reviews.sheets.loading import import_new_round
from reviews.sheets.workbook.reader import read_sheet
from tests.factories import make_department, make_project, make_user
from tests.test_smoke import app_routes, urls_for

pytestmark = pytest.mark.django_db

DIGITAL = "入間市デジタル田園都市構想総合戦略"
SEED_STRATEGY = "入間市まち・ひと・しごと創生総合戦略"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def digital_plan(first_year: int | None = 2017, last_year: int | None = None) -> Strategy:
    """A parallel plan beside the seed's strategy, with one goal, one policy and two projects."""
    strategy = Strategy.objects.create(name=DIGITAL, code="digital", first_year=first_year, last_year=last_year)
    goal = Goal.objects.create(strategy=strategy, number=1, title="デジタルで暮らしを便利にする",
                               project_label="デジタル推進プロジェクト")
    policy = Policy.objects.create(goal=goal, title="行政手続のオンライン化", order=1)
    planning = make_department("企画課")
    make_project(planning, name="電子申請の拡充", policy=policy)
    make_project(planning, make_department("商工観光課"), name="キャッシュレス決済の普及", policy=policy)
    return strategy


def first_round_of(strategy: Strategy, year: int, by) -> Round:
    return life.create_round(None, strategy=strategy, by=by, fiscal_year=year, title=f"{year}年度 デジタル評価",
                             implementation_heading=f"{year}年度の実施内容", legend="", deadline=None)


def seed_round() -> Round:
    return Round.objects.get(strategy__name=SEED_STRATEGY, fiscal_year=2017)


def sheet_cells(path) -> list[list]:
    return [[cell.value for cell in row[:9]] for row in load_workbook(path).active.iter_rows()]


# Rounds and the rule ------------------------------------------------------------------------------

def test_two_strategies_evaluated_in_the_same_year_each_have_their_own_round(reviewer, seed):
    digital = digital_plan()
    round_ = first_round_of(digital, 2017, reviewer)

    assert set(Round.objects.filter(fiscal_year=2017).values_list("strategy__name", flat=True)) == {SEED_STRATEGY, DIGITAL}
    assert set(round_.entries.values_list("project__name", flat=True)) == {"電子申請の拡充", "キャッシュレス決済の普及"}
    assert seed_round().entries.count() == 68  # the seed's round keeps its own 68
    # With several strategies, a round is named with its strategy everywhere.
    assert round_.display_name == f"2017年度 デジタル評価（{DIGITAL}）"
    assert str(seed_round()) == f"平成29年度 実施事業評価（{SEED_STRATEGY}）"


def test_the_database_allows_one_round_per_strategy_and_year(seed):
    digital = digital_plan()
    Round.objects.create(strategy=digital, fiscal_year=2017, title="t", implementation_heading="h")
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(strategy=digital, fiscal_year=2017, title="二つ目", implementation_heading="h")
    assert Round.objects.filter(fiscal_year=2017).count() == 2


def test_a_strategy_is_active_in_the_years_it_covers_and_a_blank_year_is_open(seed):
    digital = digital_plan(first_year=2020, last_year=None)
    assert [s.name for s in strategies_active_in(2017)] == [SEED_STRATEGY]  # the seed's strategy: FY2015–2019
    assert [s.name for s in strategies_active_in(2030)] == [DIGITAL]
    digital.first_year = None
    digital.save()
    assert {s.name for s in strategies_active_in(2017)} == {SEED_STRATEGY, DIGITAL}


def test_the_year_alone_names_the_round_of_the_only_active_strategy(reviewer, seed):
    # Two rounds of FY2017, but the digital plan's years (from FY2020) do not cover it.
    digital = digital_plan(first_year=2020)
    Round.objects.create(strategy=digital, fiscal_year=2017, title="試行", implementation_heading="h")
    assert find_round(2017) == seed_round()
    assert find_round(2017, digital).strategy == digital
    # Once the plan covers FY2017 too, the year alone no longer says which.
    digital.first_year = 2017
    digital.save()
    with pytest.raises(StrategyNeeded) as which:
        find_round(2017)
    assert {s.code for s in which.value.candidates} == {"senryaku-2015", "digital"}


# The commands -------------------------------------------------------------------------------------

def test_export_with_the_year_alone_is_refused_naming_both_active_strategies(reviewer, seed, tmp_path):
    first_round_of(digital_plan(), 2017, reviewer)
    with pytest.raises(CommandError) as refused:
        call_command("export_sheet", "--round", "H29", "-o", str(tmp_path / "a.xlsx"), stdout=io.StringIO())
    message = str(refused.value)
    assert "senryaku-2015" in message and SEED_STRATEGY in message
    assert "digital" in message and DIGITAL in message and "--strategy" in message
    assert not (tmp_path / "a.xlsx").exists()


def test_export_with_a_strategy_gives_each_plan_its_own_title_and_rows(reviewer, seed, tmp_path):
    first_round_of(digital_plan(), 2017, reviewer)
    out = io.StringIO()
    call_command("export_sheet", "--round", "2017", "--strategy", "digital", "-o", str(tmp_path / "d.xlsx"), stdout=out)
    call_command("export_sheet", "--round", "2017", "--strategy", SEED_STRATEGY, "-o", str(tmp_path / "s.xlsx"),
                 stdout=io.StringIO())

    digital_cells, seed_cells = sheet_cells(tmp_path / "d.xlsx"), sheet_cells(tmp_path / "s.xlsx")
    assert digital_cells[0][0] == f"{DIGITAL} 実施事業評価等入力表"
    assert seed_cells[0][0] == f"{SEED_STRATEGY} 実施事業評価等入力表"
    digital_names = {str(row[2]).split("\n")[0] for row in digital_cells if row[2] and "\n" in str(row[2])}
    assert digital_names == {"電子申請の拡充", "キャッシュレス決済の普及"}
    assert "企業等誘致事業" in str(seed_cells) and "企業等誘致事業" not in str(digital_cells)
    assert DIGITAL in out.getvalue()


def test_an_unknown_strategy_is_refused_listing_the_strategies(reviewer, seed, tmp_path):
    digital_plan()
    with pytest.raises(CommandError) as refused:
        call_command("export_sheet", "--round", "2017", "--strategy", "dx", "-o", str(tmp_path / "a.xlsx"))
    assert "「dx」は登録されていません" in str(refused.value) and "digital" in str(refused.value)


def test_import_with_the_year_alone_is_refused_and_accepted_with_the_strategy(reviewer, seed, tmp_path):
    digital_round = first_round_of(digital_plan(), 2017, reviewer)
    path = tmp_path / "digital.xlsx"
    with open(path, "wb") as stream:
        export_round(digital_round, stream)

    with pytest.raises(CommandError) as refused:
        call_command("import_sheet", str(path), "--round", "2017", "--dry-run", stdout=io.StringIO())
    assert "senryaku-2015" in str(refused.value) and "digital" in str(refused.value)

    out = io.StringIO()
    call_command("import_sheet", str(path), "--round", "2017", "--strategy", "digital", "--dry-run", stdout=out)
    assert "何も書き込んでいません" in out.getvalue()


def test_with_one_active_strategy_round_2017_keeps_working_on_both_commands(reviewer, seed, tmp_path):
    later = digital_plan(first_year=2020)  # the next period: not active in FY2017
    first_round_of(later, 2020, reviewer)
    path = tmp_path / "h29.xlsx"
    call_command("export_sheet", "--round", "2017", "-o", str(path), stdout=io.StringIO())
    assert sheet_cells(path)[0][0] == f"{SEED_STRATEGY} 実施事業評価等入力表"
    out = io.StringIO()
    call_command("import_sheet", str(path), "--round", "H29", "--dry-run", stdout=out)
    assert "何も書き込んでいません" in out.getvalue()


def test_a_sheet_of_another_plan_loads_as_its_own_round_of_a_year_the_first_plan_has(reviewer, seed):
    digital = digital_plan(first_year=None)
    buffer = io.BytesIO()
    export_round(first_round_of(digital, 2016, reviewer), buffer)  # the plan's sheet, as a city would send it
    document = read_sheet(buffer.getvalue()).document

    result = import_new_round(document, fiscal_year=2017)
    assert result.applied, result.errors
    assert result.round.strategy == digital and result.round.entries.count() == 2
    # The same sheet again: this plan now has its FY2017 round.
    again = import_new_round(document, fiscal_year=2017)
    assert not again.applied and "すでにあります" in str(again.errors[0]) and DIGITAL in str(again.errors[0])


def test_a_sheet_whose_title_names_another_strategy_than_the_chosen_one_is_refused(reviewer, seed):
    digital = digital_plan()
    buffer = io.BytesIO()
    export_round(seed_round(), buffer)
    document = read_sheet(buffer.getvalue()).document
    result = import_new_round(document, fiscal_year=2018, strategy=digital, dry_run=True)
    assert not result.ok and "指定した総合戦略" in str(result.errors[0])


# Creating the next round --------------------------------------------------------------------------

def test_the_next_round_is_created_from_the_previous_round_of_the_same_strategy(client, reviewer, seed):
    digital = digital_plan(first_year=2018)
    digital_2018 = first_round_of(digital, 2018, reviewer)
    client.force_login(reviewer)

    # Both plans are evaluated next year: the form first asks which.
    choice = client.get(reverse("reviews:manage-round-create"))
    assert choice.templates[0].name == "reviews/rounds/round_create_choose.html"
    assert SEED_STRATEGY in choice.content.decode() and DIGITAL in choice.content.decode()

    seed_strategy = seed_round().strategy
    page = client.get(reverse("reviews:manage-round-create"), {"strategy": seed_strategy.pk})
    form = page.context["form"]
    assert form.initial["fiscal_year"] == "平成30年度"
    assert page.context["start"].previous == seed_round()
    assert "電子申請の拡充" not in {p.name for p in form.fields["retire"].queryset}
    client.post(reverse("reviews:manage-round-create"), {
        "strategy": seed_strategy.pk, "fiscal_year": "H30", "title": "平成30年度 実施事業評価",
        "implementation_heading": "平成30年度の実施内容", "legend": form.initial["legend"],
        "deadline": str(timezone.localdate() + timedelta(days=30)),
    })

    created = Round.objects.get(strategy=seed_strategy, fiscal_year=2018)
    assert created.entries.count() == 68 and not created.entries.filter(project__policy__goal__strategy=digital).exists()
    assert "平成29年度 実施事業評価" in RoundEvent.objects.get(round=created).comment
    assert list(Round.objects.get(pk=digital_2018.pk).entries.values_list("project__name", flat=True)) \
        == list(digital_2018.entries.values_list("project__name", flat=True))
    # Never from an older round of the strategy.
    with pytest.raises(life.RoundError, match="最新の"):
        life.create_round(seed_round(), by=reviewer, fiscal_year=2019, title="t", implementation_heading="h",
                          legend="", deadline=None)


def test_the_first_round_of_a_new_strategy_is_created_from_its_hierarchy(client, reviewer, seed):
    digital = digital_plan(first_year=2018)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:manage-round-create"), {"strategy": digital.pk})
    start, form = page.context["start"], page.context["form"]
    assert start.previous is None and start.model == seed_round()  # the defaults: the latest round of any strategy
    assert form.initial["fiscal_year"] == "平成30年度"
    assert "平成30年度の実施内容" in form.initial["legend"]
    assert "体系から" in page.content.decode()

    response = client.post(reverse("reviews:manage-round-create"), {
        "strategy": digital.pk, "fiscal_year": "2018", "title": "平成30年度 デジタル評価",
        "implementation_heading": "平成30年度の実施内容", "legend": "", "deadline": "",
    }, follow=True)

    created = Round.objects.get(strategy=digital, fiscal_year=2018)
    assert created.state == Round.State.PREPARING
    assert set(created.entries.values_list("project__name", "state")) == {
        ("電子申請の拡充", Entry.State.DRAFT), ("キャッシュレス決済の普及", Entry.State.DRAFT)}
    assert "体系" in RoundEvent.objects.get(round=created).comment
    assert f"平成30年度 デジタル評価（{DIGITAL}） を作成しました" in response.content.decode()
    # Its next one now follows it, not the seed's strategy.
    assert life.next_round_of(digital).previous == created


def test_a_strategy_with_rounds_is_not_started_again_from_its_hierarchy(reviewer, seed):
    with pytest.raises(life.RoundError, match="最新の"):
        life.create_round(None, strategy=seed_round().strategy, by=reviewer, fiscal_year=2018, title="t",
                          implementation_heading="h", legend="", deadline=None)


def test_with_one_strategy_the_form_asks_nothing_and_names_no_strategy(client, reviewer, seed):
    client.force_login(reviewer)
    page = client.get(reverse("reviews:manage-round-create"))
    assert page.templates[0].name == "reviews/rounds/round_create.html"
    assert SEED_STRATEGY not in page.content.decode()
    assert seed_round().display_name == "平成29年度 実施事業評価"


def test_previous_and_next_rounds_stay_within_the_strategy(reviewer, open_round):
    digital = digital_plan(first_year=None)
    digital_2018 = first_round_of(digital, 2018, reviewer)
    assert life.previous_round(digital_2018) is None  # not the seed's FY2017
    assert life.next_round(seed_round()) == open_round  # not the digital plan's FY2018
    assert life.create_answers(digital_2018) == 0


# The screens --------------------------------------------------------------------------------------

def test_the_screens_name_each_round_with_its_strategy(client, reviewer, admin_user, open_round):
    digital_2018 = first_round_of(digital_plan(first_year=None), 2018, reviewer)
    life.set_deadline(digital_2018, timezone.localdate() + timedelta(days=10), by=reviewer)
    digital_2018 = life.change_state(digital_2018, "open", by=reviewer)
    client.force_login(reviewer)

    listing = client.get(reverse("reviews:manage-rounds")).content.decode()
    assert f"平成30年度 実施事業評価（{SEED_STRATEGY}）" in listing and f"2018年度 デジタル評価（{DIGITAL}）" in listing
    page = client.get(reverse("reviews:round", args=[digital_2018.pk])).content.decode()
    assert f"<h1>2018年度 デジタル評価（{DIGITAL}）</h1>" in page
    assert f"平成30年度 実施事業評価（{SEED_STRATEGY}）" in page  # the list of rounds beside it
    results = client.get(reverse("reviews:results")).content.decode()
    assert DIGITAL in results and SEED_STRATEGY in results

    # Two sheets of one year download under different names.
    names = {client.get(reverse("reviews:round-sheet-download", args=[r.pk]))["Content-Disposition"]
             for r in (open_round, digital_2018)}
    assert len(names) == 2 and any("digital" in name for name in names)
    client.force_login(admin_user)
    admin_list = client.get(reverse("admin:reviews_round_changelist")).content.decode()
    assert f"2018年度 デジタル評価（{DIGITAL}）" in admin_list


def test_a_clerk_lands_on_the_open_round_that_holds_their_entries(client, reviewer, open_round):
    digital = digital_plan(first_year=None)
    digital_2019 = first_round_of(digital, 2019, reviewer)
    life.set_deadline(digital_2019, timezone.localdate() + timedelta(days=10), by=reviewer)
    life.change_state(digital_2019, "open", by=reviewer)
    clerk = make_user("clerk_health", "地域保健課")  # no project in the digital plan
    client.force_login(clerk)
    assert client.get(reverse("reviews:home"))["Location"] == reverse("reviews:round", args=[open_round.pk])


@pytest.mark.parametrize("who", ["reviewer", "staff_a"])
def test_every_app_page_opens_with_two_strategies_without_a_server_error(client, open_round, reviewer, staff_a, who):
    digital_2018 = first_round_of(digital_plan(first_year=None), 2018, reviewer)
    life.set_deadline(digital_2018, timezone.localdate() + timedelta(days=10), by=reviewer)
    life.change_state(digital_2018, "open", by=reviewer)
    client.force_login({"reviewer": reviewer, "staff_a": staff_a}[who])
    failures = [f"GET {url}: {status}" for name, route in app_routes() for url in urls_for(name, route)
                if (status := client.get(url).status_code) >= 500]
    assert failures == []

"""KPIs in a real browser, every page checked with axe-core: a clerk enters a project's KPI with
its entry; the planning division reports a goal's 数値目標 and another reviewer approves it."""

from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out

PROJECT = "企業等誘致事業"


def make_kpis(demo):
    from projects.models import Department, Goal, Kpi, Project

    Kpi.objects.create(strategy=demo.strategy, level=Kpi.Level.PROJECT, project=Project.objects.get(name=PROJECT),
                       name="企業誘致件数", unit="件", direction=Kpi.Direction.HIGHER, baseline_value=Decimal(2),
                       baseline_year=2014, target_value=Decimal(10), target_year=2019,
                       department=Department.objects.get(name="商工観光課"))
    Kpi.objects.create(strategy=demo.strategy, level=Kpi.Level.GOAL, goal=Goal.objects.get(number=1),
                       name="市内の事業所数", unit="所", direction=Kpi.Direction.HIGHER, baseline_value=Decimal(4000),
                       baseline_year=2014, target_value=Decimal(4200), target_year=2019,
                       department=Department.objects.get(name="企画課"))


def test_a_clerk_enters_a_project_kpi_and_reviewers_take_a_goal_kpi_through_review(page, live_server, step, demo):
    make_kpis(demo)
    log_in(page, live_server, step, "shoko")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    section = page.locator("#kpis")
    expect(section.get_by_role("heading", name="企業誘致件数（件）")).to_be_visible()
    section.get_by_label("実績の状況").select_option("reported")
    section.get_by_label("実績値（件）").fill("6")
    section.get_by_role("button", name="KPI の実績を保存").click()
    expect(page.get_by_text("KPI の実績を保存しました。")).to_be_visible()
    expect(page.locator("#kpis")).to_contain_text("達成率 50.0%")
    expect(page.locator("#kpis")).to_contain_text("達成度 ○")
    step(page, "shoko-entry-kpi")
    log_out(page)

    log_in(page, live_server, step, "kikaku1")
    page.get_by_role("link", name="KPI の実績（基本目標・基本施策）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KPI の実績（基本目標・基本施策）")
    step(page, "kikaku1-kpi-list")
    page.get_by_role("link", name="市内の事業所数").click()
    page.get_by_label("実績の状況").select_option("reported")
    page.get_by_label("実績値（所）").fill("4100")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_text("KPI の実績を提出しました。企画課の審査を待っています。")).to_be_visible()
    expect(page.get_by_role("img", name="市内の事業所数の推移（濃い棒: 実績、薄い棒: その年度の目標）（同じ数を隣の表に示しています）")).to_be_visible()
    step(page, "kikaku1-goal-kpi-submitted")
    log_out(page)

    log_in(page, live_server, step, "kikaku2")
    page.get_by_role("link", name="KPI の実績（基本目標・基本施策）").click()
    page.get_by_role("link", name="市内の事業所数").click()
    page.get_by_role("button", name="承認する").click()
    expect(page.get_by_text("KPI の実績を承認しました。")).to_be_visible()
    expect(page.locator(".entry-status")).to_contain_text("承認済")
    step(page, "kikaku2-goal-kpi-approved")

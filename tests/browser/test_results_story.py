"""The results a planning division and a department use, in a real browser: the results page,
a round's summary with its charts and tables, and (later steps) the committee's loop and packet."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_department_reads_the_published_summary_with_charts_and_tables(page, live_server, step, demo):
    log_in(page, live_server, step, "shoko")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="評価結果").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("評価結果")
    step(page, "shoko-results")
    page.get_by_role("link", name="実施状況の集計", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("実施状況の集計（平成29年度 実施事業評価）")
    expect(page.get_by_text("基本目標1では18事業のうち11事業（61%）がAでした。")).to_be_visible()
    goals = page.get_by_role("table", name="基本目標ごとの実施状況（事業数と割合）")
    first = goals.get_by_role("row").filter(has=page.get_by_role("rowheader", name="1 働きやすいまちをつくる"))
    expect(first.get_by_role("cell")).to_have_text(["11（61%）", "3（17%）", "1（6%）", "3（17%）", "18"])
    chart = page.get_by_role("img", name="基本目標ごとの実施状況（同じ数を隣の表に示しています）")
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text="A11・B3・C1・D3")).to_have_count(1)
    expect(page.get_by_text("複数の課が担当する事業（2事業）は、担当するそれぞれの課に数えています。", exact=False)).to_be_visible()
    step(page, "shoko-summary")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="メインメニュー")).to_be_hidden()
    step(page, "shoko-summary-print")


def test_a_reviewer_sees_the_provisional_summary_of_the_open_round(page, live_server, step, demo):
    log_in(page, live_server, step, "kikaku1")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="進み具合").click()
    page.get_by_role("link", name="実施状況の集計（暫定: 提出済・承認済の評価）を見る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("実施状況の集計（平成30年度 実施事業評価）暫定")
    expect(page.get_by_text("この集計は暫定です。提出済み・承認済みの評価0件を数えています（この評価回の評価は全68件です）。")).to_be_visible()
    expect(page.get_by_text("まだ数えられる評価がありません。")).to_be_visible()
    step(page, "kikaku1-provisional-summary")

"""The results a planning division and a department use, in a real browser: the results page,
a round's summary with its charts and tables, the committee's loop and its packet."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out

PROJECT = "企業等誘致事業"
IMPLEMENTATION = "平成30年度の実施内容"
EVALUATION = "担当課による実施内容に対する評価、今後実施する上での課題等"
FUTURE_POLICY = "担当課の今後の方針"

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


def test_an_opinion_holds_back_the_entry_until_answered_returned_answered_again_and_approved(
    page, live_server, step, demo
):
    from projects.models import Project
    from reviews.models import Opinion, Round
    from reviews.rounds.life import create_answers

    # The committee's opinion on a project, recorded before FY2018 opened (the ORM stands in for the
    # reviewer's form, which has its own tests), and its answer made as opening made the others.
    project = Project.objects.get(name=PROJECT)
    opinion = Opinion.objects.create(round=Round.objects.get(fiscal_year=2017), subject=Opinion.Subject.PROJECT,
                                     project=project, text="企業訪問の成果を、件数で示してください。")
    opinion.departments.set(project.departments.all())
    create_answers(demo)

    log_in(page, live_server, step, "shoko")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    expect(page.get_by_role("heading", name="この事業への委員会意見と対応方針")).to_be_visible()
    page.get_by_label("A: ほぼ予定通りに実施").check()
    page.get_by_label(IMPLEMENTATION, exact=True).fill("企業を12社訪問し、2社の立地が決まった。")
    page.get_by_label(EVALUATION, exact=True).fill("訪問の件数は目標を上回った。")
    page.get_by_label(FUTURE_POLICY, exact=True).fill("来年度も継続する。")
    page.get_by_role("button", name="提出する").click()
    alert = page.get_by_role("alert").filter(has_text="委員会意見への対応方針がまだ提出されていないため")
    expect(alert).to_be_visible()
    step(page, "shoko-entry-held-back")
    alert.get_by_role("link", name="商工観光課の対応方針").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"対応方針: {PROJECT}（商工観光課）")
    expect(page.get_by_text("企業訪問の成果を、件数で示してください。")).to_be_visible()
    page.get_by_label("対応方針", exact=True).fill("訪問件数と立地件数を、実施内容に書きます。")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_text("対応方針を提出しました。企画課の審査を待っています。")).to_be_visible()
    step(page, "shoko-answer-submitted")
    log_out(page)

    log_in(page, live_server, step, "kikaku1")
    page.get_by_role("link", name="委員会意見への対応方針").click()
    page.get_by_role("link", name=f"事業: {PROJECT}").click()
    page.get_by_label("差戻しの理由（担当課に表示されます・必須）").fill("来年度の目標件数も書いてください。")
    page.get_by_role("button", name="差し戻す").click()
    expect(page.get_by_text("対応方針を差し戻しました。")).to_be_visible()
    step(page, "kikaku1-answer-returned")
    log_out(page)

    log_in(page, live_server, step, "shoko")
    page.get_by_role("link", name="委員会意見への対応方針").click()
    page.get_by_role("link", name=f"事業: {PROJECT}").click()
    expect(page.get_by_role("note")).to_contain_text("来年度の目標件数も書いてください。")
    page.get_by_label("対応方針", exact=True).fill("訪問件数と立地件数を、来年度の目標（15社）と並べて書きます。")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_text("対応方針を提出しました。企画課の審査を待っています。")).to_be_visible()
    log_out(page)

    log_in(page, live_server, step, "kikaku2")
    page.get_by_role("link", name="委員会意見への対応方針").click()
    page.get_by_role("link", name=f"事業: {PROJECT}").click()
    page.get_by_role("button", name="承認する").click()
    expect(page.get_by_text("対応方針を承認しました。")).to_be_visible()
    expect(page.locator(".entry-status")).to_contain_text("承認済")
    step(page, "kikaku2-answer-approved")


def test_the_committee_packet_prints_on_a3_landscape_with_a_page_per_goal(page, live_server, step, demo):
    log_in(page, live_server, step, "kikaku1")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="評価結果").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="平成29年度 実施事業評価"))
    row.get_by_role("link", name="推進会議資料").click()
    page.get_by_label("資料番号").fill("資料2")
    page.get_by_label("表紙の日付").fill("2018-07-10")
    page.get_by_role("button", name="表紙を更新する").click()
    cover = page.locator(".packet-cover")
    expect(cover).to_contain_text("資料2")
    expect(cover).to_contain_text("平成30年7月10日")
    expect(page.get_by_role("heading", level=1)).to_contain_text("平成29年度 実施事業評価")
    expect(page.locator(".packet-goal")).to_have_count(4)
    expect(page.get_by_text("【デモ用の意見】基本施策「地域産業を振興する」", exact=False)).to_be_visible()
    step(page, "kikaku1-packet")
    page.emulate_media(media="print")
    expect(page.locator(".packet-tools")).to_be_hidden()
    assert page.locator(".packet-goal").nth(1).evaluate("e => getComputedStyle(e).breakBefore") == "page"
    assert page.locator(".packet-sheet thead").first.evaluate("e => getComputedStyle(e).display") == "table-header-group"
    step(page, "kikaku1-packet-print")
    pdf = page.pdf(prefer_css_page_size=True)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    width, height = float(box.group(1)), float(box.group(2))
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape, in points
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages >= 7  # the cover, the summary, a page per goal, the opinions

"""A citizen reads the published evaluation: no sign-in, every page checked with axe-core."""

import re

from playwright.sync_api import expect

PROJECT = "企業等誘致事業"


def test_a_citizen_reads_a_round_a_project_the_summary_the_opinions_and_the_open_data(page, live_server, step, demo):
    page.goto(f"{live_server.url}/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("総合戦略 実施事業評価の結果")
    assert page.context.cookies() == []
    step(page, "public-index")
    page.get_by_role("link", name="平成29年度 実施事業評価", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("平成29年度 実施事業評価")
    expect(page.get_by_role("heading", level=2, name="基本目標1 働きやすいまちをつくる <しごと応援プロジェクト>")).to_be_visible()
    step(page, "public-round")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROJECT)
    expect(page.get_by_role("table", name="年度ごとの実施状況")).to_contain_text("A・継続")
    step(page, "public-project")
    page.go_back()
    page.get_by_role("link", name="実施状況の集計（基本目標・基本施策・担当課ごと）").click()
    expect(page.get_by_text("基本目標1では18事業のうち11事業（61%）がAでした。")).to_be_visible()
    expect(page.get_by_role("img", name="基本目標ごとの実施状況（同じ数を隣の表に示しています）")).to_be_visible()
    step(page, "public-summary")
    page.go_back()
    page.get_by_role("link", name="推進会議の意見と担当課の対応方針").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("推進会議の意見と対応方針（平成29年度 実施事業評価）")
    expect(page.get_by_text("対応方針は、次の評価の公表時に掲載します", exact=False).first).to_be_visible()
    step(page, "public-opinions")
    page.get_by_role("navigation", name="公開ページのメニュー").get_by_role("link", name="オープンデータ").click()
    expect(page.get_by_role("table", name="CSV の列（JSON のキー）", exact=True)).to_contain_text("年度（和暦）")
    step(page, "public-data")
    with page.expect_download() as download:
        page.get_by_role("link", name="/public/senryaku-2015/2017/data.csv").click()
    assert download.value.suggested_filename == "senryaku-2015_2017_実施事業評価.csv"
    assert page.context.cookies() == []


def test_a_citizen_searches_in_half_width_kana_and_sees_the_match_marked(page, live_server, step, demo):
    page.goto(f"{live_server.url}/public/")
    page.get_by_role("navigation", name="公開ページのメニュー").get_by_role("link", name="事業を探す").click()
    page.get_by_label("探す言葉").fill("ｾﾐﾅｰ")
    page.get_by_label("年度").fill("H29")
    page.get_by_role("button", name="検索する").click()
    expect(page.get_by_role("heading", name=re.compile(r"検索結果（\d+件"))).to_be_visible()
    expect(page.get_by_role("link", name="創業支援事業")).to_be_visible()
    expect(page.locator("mark").first).to_have_text("セミナー")
    step(page, "public-search")
    page.get_by_label("年度").fill("来年")
    page.get_by_role("button", name="検索する").click()
    expect(page.get_by_role("alert")).to_contain_text("「来年」は年度として読めません。")
    step(page, "public-search-error")
    assert page.context.cookies() == []

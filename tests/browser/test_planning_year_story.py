"""The planning division's year in a real browser: a reviewer creates next year's round from the
last one and opens it; a department downloads its 入力表, fills it in Excel, uploads it with a
preview, then finishes and submits the entry on screen; the reviewer finds it in the queue and in
the progress table."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from projects.fiscal_year import format_fiscal_year
from reviews.models import Entry, Round, SheetUpload
from tests.browser.conftest import log_in, log_out

NEXT_YEAR = 2019
NEXT_TITLE = "令和元年度 実施事業評価"
NEXT_HEADING = "令和元年度の実施内容"
DEPARTMENT = "商工観光課"
PROJECT = "企業等誘致事業"
EVALUATION = "担当課による実施内容に対する評価、今後実施する上での課題等"
FUTURE_POLICY = "担当課の今後の方針"

# The sheet's columns (1-based): C 事業名※, E the implementation text, J the hidden entry reference.
NAME_COLUMN, IMPLEMENTATION_COLUMN, REFERENCE_COLUMN = 3, 5, 10

UPLOADED_IMPLEMENTATION = "ブラウザテスト（入力表）: 市内の工業団地へ企業5社を訪問し、立地の相談を3件受けた。"
NEW_EVALUATION = "ブラウザテスト: 相談は増えたが、まとまった空き用地が少ないことが課題である。"
NEW_FUTURE_POLICY = "ブラウザテスト: 空き用地の情報を県と共有し、企業訪問を続ける。"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Staged and applied uploads go to a temporary folder, not the project's media/ (the live
    server runs in this process, so it sees the setting)."""
    settings.MEDIA_ROOT = tmp_path / "media"


def fill_in_the_sheet(path) -> None:
    """What the department does in Excel: write this year's implementation for one project."""
    workbook = load_workbook(path)
    sheet = workbook.active
    rows = [
        row
        for row in sheet.iter_rows(min_row=1)
        if isinstance(row[NAME_COLUMN - 1].value, str) and row[NAME_COLUMN - 1].value.startswith(PROJECT)
    ]
    assert len(rows) == 1, f"{PROJECT} の行が1行ではありません: {[r[0].row for r in rows]}"
    row = rows[0]
    assert row[REFERENCE_COLUMN - 1].value, "隠し列Jに評価の参照がありません"
    row[IMPLEMENTATION_COLUMN - 1].value = UPLOADED_IMPLEMENTATION
    workbook.save(path)


def test_a_reviewer_opens_next_year_a_department_fills_it_through_the_sheet_and_the_reviewer_sees_it(
    page, live_server, step, demo, tmp_path
):
    deadline = timezone.localdate() + timedelta(days=20)

    # 1. The reviewer creates next year's round from the last one and opens it.
    log_in(page, live_server, step, "kikaku1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("審査待ち一覧")
    step(page, "kikaku1-queue")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="評価回の管理").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("評価回の管理")
    step(page, "kikaku1-rounds")
    page.get_by_role("link", name="次の年度の評価回を作成する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("次の年度の評価回を作成する")
    expect(page.get_by_label("年度", exact=True)).to_have_value(format_fiscal_year(NEXT_YEAR))  # 令和元年度
    expect(page.get_by_label("表題", exact=True)).to_have_value(NEXT_TITLE)
    expect(page.get_by_label("実施内容の見出し", exact=True)).to_have_value(NEXT_HEADING)
    step(page, "kikaku1-round-create")
    page.get_by_label("提出期限", exact=True).fill(deadline.isoformat())
    page.get_by_role("button", name="作成する", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{NEXT_TITLE} の管理")
    expect(page.get_by_role("status")).to_contain_text("を作成しました")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text("準備中")
    expect(summary).to_contain_text(f"{deadline.year}年{deadline.month}月{deadline.day}日")
    step(page, "kikaku1-round-created")
    page.get_by_role("button", name="受付を開始する", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("受付を開始しました")
    expect(summary).to_contain_text("受付中")
    step(page, "kikaku1-round-opened")
    log_out(page)

    # 2. The department fills its 入力表 in Excel, uploads it, then finishes the entry on screen.
    log_in(page, live_server, step, "shoko")
    expect(page.get_by_role("heading", level=1)).to_have_text(NEXT_TITLE)
    step(page, "shoko-home")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="入力表（Excel）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("入力表（Excel）のダウンロードと取込み")
    step(page, "shoko-sheets")

    download_section = page.get_by_role("region", name="ダウンロード", exact=True)
    download_section.get_by_label("どの入力表か").select_option(label=DEPARTMENT)
    with page.expect_download() as download_info:
        download_section.get_by_role("button", name="ダウンロードする").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    sheet_path = tmp_path / download.suggested_filename
    download.save_as(sheet_path)
    fill_in_the_sheet(sheet_path)

    upload_section = page.get_by_role("region", name="記入した入力表を取り込む")
    upload_section.get_by_label("どの入力表か").select_option(label=DEPARTMENT)
    upload_section.get_by_label("入力表ファイル（.xlsx）").set_input_files(sheet_path)
    upload_section.get_by_role("button", name="確認する").click()
    preview = page.get_by_role("region", name=re.compile("^取込みの確認"))
    changes = preview.get_by_role("table", name="変更される項目（1件）")
    expect(changes).to_be_visible()
    expect(changes.get_by_role("rowheader")).to_have_text([PROJECT])
    expect(changes).to_contain_text(UPLOADED_IMPLEMENTATION)
    step(page, "shoko-sheet-preview")
    preview.get_by_role("button", name="この内容で取り込む").click()
    expect(page.get_by_role("status")).to_contain_text("入力表を取り込みました（変更 1 件）")
    step(page, "shoko-sheet-uploaded")

    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ホーム").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEXT_TITLE)
    page.get_by_role("link", name=PROJECT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROJECT)
    expect(page.get_by_label(NEXT_HEADING, exact=True)).to_have_value(UPLOADED_IMPLEMENTATION)
    step(page, "shoko-entry")
    page.get_by_label("A: ほぼ予定通りに実施").check()
    page.get_by_label(EVALUATION, exact=True).fill(NEW_EVALUATION)
    page.get_by_label(FUTURE_POLICY, exact=True).fill(NEW_FUTURE_POLICY)
    step(page, "shoko-entry-filled")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("提出しました")
    expect(page.locator(".entry-status .state")).to_have_text("提出済")
    step(page, "shoko-submitted")
    log_out(page)

    # 3. The reviewer finds the entry in the queue and the department's submission in the progress.
    log_in(page, live_server, step, "kikaku1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("審査待ち一覧")
    expect(page.get_by_role("link", name=PROJECT, exact=True)).to_be_visible()
    step(page, "kikaku1-queue-again")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="進み具合").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"進み具合（{NEXT_TITLE}）")
    departments = page.get_by_role("table", name="担当課ごとの状況")
    columns = departments.get_by_role("columnheader").all_inner_texts()
    row = departments.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=DEPARTMENT, exact=True)
    )
    expect(row).to_have_count(1)
    # The row header is the first column; the data cells follow it.
    expect(row.get_by_role("cell").nth(columns.index("提出済") - 1)).to_have_text("1")
    expect(page.get_by_role("link", name="実施状況の集計（暫定: 提出済・承認済の評価）を見る")).to_be_visible()
    step(page, "kikaku1-progress")

    next_round = Round.objects.get(fiscal_year=NEXT_YEAR)
    assert next_round.state == Round.State.OPEN
    assert next_round.deadline == deadline
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    assert entry.state == Entry.State.SUBMITTED
    assert entry.implementation == UPLOADED_IMPLEMENTATION
    assert entry.evaluation == NEW_EVALUATION
    assert entry.future_policy == NEW_FUTURE_POLICY
    uploads = SheetUpload.objects.filter(round=next_round)
    assert list(uploads.values_list("uploaded_by__username", "department__name")) == [("shoko", DEPARTMENT)]

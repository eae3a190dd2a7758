"""A clerk's and a reviewer's day without surprises, in a real browser: a return stands above the
form and its notice is read on opening; a submit stopped by a warning keeps its texts after a
reload; a paste past the limit is refused with the count, never cut; the with-memo sheet says
内部資料."""

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out

PROJECT = "企業等誘致事業"
IMPLEMENTATION = "平成30年度の実施内容"
EVALUATION = "担当課による実施内容に対する評価、今後実施する上での課題等"
FUTURE_POLICY = "担当課の今後の方針"
REASON = "実施内容に、訪問した企業の数を書いてください。"


def test_a_return_a_warning_a_long_paste_and_the_internal_sheet(page, live_server, step, demo):
    # The clerk picks D without saying it was not carried out: the warning stops the submit,
    # and the texts are already saved as the draft.
    log_in(page, live_server, step, "shoko")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    page.get_by_label("D: 未実施").check()
    page.get_by_label(IMPLEMENTATION, exact=True).fill("準備を進めた。")
    page.get_by_label(EVALUATION, exact=True).fill("来年度に向けて調整した。")
    page.get_by_label(FUTURE_POLICY, exact=True).fill("関係機関と協議する。")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("入力した内容は下書きとして保存しました")
    step(page, "shoko-warning")
    page.reload()
    expect(page.get_by_label(IMPLEMENTATION, exact=True)).to_have_value("準備を進めた。")

    # 1,200 pasted characters: nothing cut, the counter warns, saving refuses with the count.
    page.get_by_label(EVALUATION, exact=True).fill("あ" * 1200)
    expect(page.get_by_label(EVALUATION, exact=True)).to_have_value("あ" * 1200)
    expect(page.locator("#id_evaluation-counter")).to_contain_text("200文字多すぎます")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator("#error-summary")).to_contain_text("現在 1,200 文字")
    expect(page.get_by_label(EVALUATION, exact=True)).to_have_value("あ" * 1200)
    step(page, "shoko-too-long")
    page.get_by_label(EVALUATION, exact=True).fill("来年度に向けて調整した。未実施。")
    page.get_by_label(IMPLEMENTATION, exact=True).fill("準備を進めたが、実施していない。")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("提出しました")
    log_out(page)

    # The reviewer returns it with a reason, and downloads the internal sheet with the memo.
    log_in(page, live_server, step, "kikaku1")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    page.get_by_label("差戻しの理由（担当課に表示されます・必須）").fill(REASON)
    page.get_by_role("button", name="差し戻す", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("担当課に差し戻しました")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="入力表（Excel）").click()
    page.get_by_label("企画課の内部用メモを含める（内部用）").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="ダウンロードする").click()
    assert "内部資料" in download.value.suggested_filename
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet["I1"].value == "内部資料" and "内部資料" in sheet.title
    log_out(page)

    # The clerk sees one unread notice, opens the entry: the reason is above the form, and the
    # unread count falls.
    log_in(page, live_server, step, "shoko")
    menu = page.get_by_role("navigation", name="メインメニュー")
    expect(menu).to_contain_text("未読 1件")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    reason = page.locator("section.return-reason")
    expect(reason).to_contain_text(REASON)
    assert reason.bounding_box()["y"] < page.locator("form[data-unsaved-warning]").first.bounding_box()["y"]
    step(page, "shoko-sees-the-reason")
    expect(page.get_by_role("navigation", name="メインメニュー")).not_to_contain_text("未読")


def test_leaving_a_page_with_unsaved_text_asks_first_and_only_then(page, live_server, step, demo):
    log_in(page, live_server, step, "shoko")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="ホーム").click()  # nothing typed: no question
    expect(page.get_by_role("heading", level=1)).to_have_text("平成30年度 実施事業評価")
    assert asked == []
    page.get_by_role("link", name=PROJECT, exact=True).click()
    field = page.get_by_label(FUTURE_POLICY, exact=True)
    field.click()  # a real click: browsers ask before leaving only after the person interacted
    field.press_sequentially("書きかけの方針")
    page.get_by_role("link", name="ホーム").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.get_by_label(FUTURE_POLICY, exact=True)).to_have_value("書きかけの方針")  # still here


def test_the_help_and_a_projects_story_pass_axe(page, live_server, step, demo):
    from projects.models import Project

    project = Project.objects.get(name=PROJECT)
    log_in(page, live_server, step, "shoko")
    page.get_by_role("link", name="ヘルプ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ヘルプ（担当課職員）")
    step(page, "shoko-help")
    page.goto(f"{live_server.url}/projects/{project.pk}/story/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("これまでの評価")
    step(page, "shoko-story")


def test_the_error_pages_a_clerk_can_meet_pass_axe_and_keep_the_menu(page, live_server, step, demo):
    """404, 403, 405, a request too big to read (400) and a form sent after its CSRF token went
    stale: each a Japanese page on the site's layout, checked with axe under the real CSP. The
    Python traceback the 400 prints is the test server's log, not the page."""
    from reviews.models import Entry, Round

    round_ = Round.objects.order_by("-fiscal_year").first()
    entry = Entry.objects.filter(round=round_).order_by("pk").first()
    log_in(page, live_server, step, "shoko")
    pages = [
        (f"/entries/{10**9}/", 404, "ページが見つかりません"),
        (f"/rounds/{round_.pk}/queue/", 403, "この操作はできません"),
        (f"/entries/{entry.pk}/approve/", 405, "この画面は開けません"),
        ("/search/?" + "&".join(["q=a"] * 5000), 400, "送信を受け付けられませんでした"),
    ]
    for path, status, heading in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status, path
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        if status != 400:  # a request that cannot be read is answered without reading the session
            expect(page.get_by_role("navigation", name="利用者メニュー")).to_contain_text("shoko")
        step(page, f"shoko-{status}")
    # A form sent with a token that no longer matches the cookie (another tab signed in again).
    page.goto(f"{live_server.url}/password/")
    page.context.add_cookies([{"name": "csrftoken", "value": "a" * 32, "url": live_server.url}])
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("送信できませんでした")
    step(page, "shoko-csrf")

"""The whole review story in a real browser, through the screens people use: log in, write,
submit, return, fix, approve, and read the history."""

from playwright.sync_api import expect

from reviews.models import Entry, Event
from tests.browser.conftest import log_in, log_out

PROJECT = "企業等誘致事業"
IMPLEMENTATION = "平成30年度の実施内容"
EVALUATION = "担当課による実施内容に対する評価、今後実施する上での課題等"
FUTURE_POLICY = "担当課の今後の方針"

# Different from last year's texts, so submitting asks for no confirmation.
NEW_IMPLEMENTATION = "ブラウザテスト: 市内の工業団地へ企業3社を訪問し、立地の相談を2件受けた。"
NEW_EVALUATION = "ブラウザテスト: 相談は増えたが、まとまった空き用地が少ないことが課題である。"
NEW_FUTURE_POLICY = "ブラウザテスト: 引き続き企業訪問を行う。"
FIXED_FUTURE_POLICY = "ブラウザテスト: 企業訪問を年6社に増やし、空き用地の情報を県と共有する。"
RETURN_REASON = "今後の方針に、訪問件数の目標を書いてください。"


def expect_state(page, label: str) -> None:
    expect(page.locator(".entry-status .state")).to_have_text(label)


def test_a_department_submits_a_reviewer_returns_it_the_department_fixes_it_and_a_second_reviewer_approves(
    page, live_server, step, demo
):
    # a. The department writes the entry and submits it.
    log_in(page, live_server, step, "shoko")
    expect(page.get_by_role("heading", level=1)).to_have_text("平成30年度 実施事業評価")
    expect(page.locator("h2.band-goal").first).to_be_visible()
    expect(page.locator("h3.band-policy").first).to_be_visible()
    step(page, "shoko-home")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROJECT)
    expect_state(page, "下書き")
    step(page, "shoko-entry-draft")

    page.get_by_label("A: ほぼ予定通りに実施").check()
    page.get_by_label(IMPLEMENTATION, exact=True).fill(NEW_IMPLEMENTATION)
    page.get_by_label(EVALUATION, exact=True).fill(NEW_EVALUATION)
    page.get_by_label(FUTURE_POLICY, exact=True).fill(NEW_FUTURE_POLICY)
    step(page, "shoko-entry-filled")
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("提出しました")
    expect_state(page, "提出済")
    step(page, "shoko-submitted")
    log_out(page)

    # b. The first reviewer returns it with a reason.
    log_in(page, live_server, step, "kikaku1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("審査待ち一覧")
    step(page, "kikaku1-queue")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    expect_state(page, "提出済")
    step(page, "kikaku1-entry")
    page.get_by_label("差戻しの理由（担当課に表示されます・必須）").fill(RETURN_REASON)
    page.get_by_role("button", name="差し戻す", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("担当課に差し戻しました")
    expect_state(page, "差戻し")
    step(page, "kikaku1-returned")
    log_out(page)

    # c. The department reads the reason, fixes one text and submits again.
    log_in(page, live_server, step, "shoko")
    step(page, "shoko-home-again")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    expect_state(page, "差戻し")
    history = page.locator("section.history")
    expect(history.locator(".timeline li").first).to_contain_text("差戻し")
    expect(history.locator(".timeline li").first).to_contain_text(RETURN_REASON)
    step(page, "shoko-entry-returned")
    page.get_by_label(FUTURE_POLICY, exact=True).fill(FIXED_FUTURE_POLICY)
    page.get_by_role("button", name="提出する").click()
    expect(page.get_by_role("status")).to_contain_text("提出しました")
    expect_state(page, "提出済")
    step(page, "shoko-resubmitted")
    log_out(page)

    # d. A second reviewer sees what changed since the last submission and approves.
    log_in(page, live_server, step, "kikaku2")
    step(page, "kikaku2-queue")
    page.get_by_role("link", name=PROJECT, exact=True).click()
    changes = page.get_by_role("region", name="前回の提出からの変更")
    expect(changes.get_by_role("rowheader")).to_have_text(["今後の方針"])
    expect(changes).to_contain_text(NEW_FUTURE_POLICY)
    expect(changes).to_contain_text(FIXED_FUTURE_POLICY)
    step(page, "kikaku2-entry")
    page.get_by_role("button", name="承認する", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("承認しました")
    expect_state(page, "承認済")
    step(page, "kikaku2-approved")

    # e. The history tells the story, newest first, with who changed what.
    history = page.get_by_role("region", name="履歴（新しい順）")
    events = history.locator(".timeline > li")
    expect(events).to_have_count(5)
    expect(events.locator("strong")).to_have_text(["承認", "提出", "差戻し", "提出", "作成"])
    expect(events.nth(0)).to_contain_text("企画 二美")
    expect(events.nth(2)).to_contain_text("企画 一郎")
    expect(events.nth(2)).to_contain_text(RETURN_REASON)
    expect(events.nth(3)).to_contain_text("商工 花子")

    rows = history.locator("table.history-table tbody tr")
    # The fix (one field), then the first submission (the letter and three texts).
    expect(rows).to_have_count(5)
    expect(rows.nth(0).get_by_role("rowheader")).to_have_text(FUTURE_POLICY)
    expect(rows.nth(0)).to_contain_text(NEW_FUTURE_POLICY)
    expect(rows.nth(0)).to_contain_text(FIXED_FUTURE_POLICY)
    # The fields changed by one save come in no fixed order (simple-history diffs a set of names).
    first_submission = {
        row.get_by_role("rowheader").inner_text(): row.locator("td").nth(3).inner_text()  # 変更後
        for row in rows.all()[1:]
    }
    assert first_submission == {
        "実施状況": "A",
        IMPLEMENTATION: NEW_IMPLEMENTATION,
        EVALUATION: NEW_EVALUATION,
        FUTURE_POLICY: NEW_FUTURE_POLICY,
    }
    for index in range(5):
        expect(rows.nth(index).locator("td").nth(1)).to_have_text("商工 花子")  # 変更した人

    entry = Entry.objects.get(round=demo, project__name=PROJECT)
    assert entry.state == Entry.State.APPROVED
    assert entry.future_policy == FIXED_FUTURE_POLICY
    assert list(entry.events.values_list("action", "actor__username")) == [
        (Event.Action.APPROVE, "kikaku2"),
        (Event.Action.SUBMIT, "shoko"),
        (Event.Action.RETURN, "kikaku1"),
        (Event.Action.SUBMIT, "shoko"),
        (Event.Action.CREATE, None),
    ]

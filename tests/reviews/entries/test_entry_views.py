"""The entry pages as people use them: each view's happy path and each way it refuses."""

import re

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse

from projects.models import Department
from reviews.entries import workflow
from reviews.entries.views import writer_token
from reviews.models import Entry, Event, Round
from tests.factories import FILLED, make_department, make_entry, make_project, make_round, make_user

pytestmark = pytest.mark.django_db

POST_URLS = ["entry-edit", "entry-withdraw", "entry-return", "entry-approve", "entry-reopen", "entry-memo"]


@pytest.fixture
def world(staff_a, staff_b, reviewer, reviewer2):
    shoko, hoken = make_department("商工観光課"), make_department("地域保健課")
    round_ = make_round(2018)
    previous_round = make_round(2017, state=Round.State.PUBLISHED)
    project = make_project(shoko, name="企業等誘致事業")
    other_project = make_project(hoken, name="妊婦健診事業")
    make_entry(previous_round, project, state=Entry.State.APPROVED, status="B", implementation="昨年の実施内容",
               evaluation="昨年の評価", future_policy="昨年の方針")
    return {
        "round": round_,
        "entry": make_entry(round_, project),
        "other_entry": make_entry(round_, other_project),
        "clerk": staff_a,
        "other_clerk": staff_b,
        "reviewer": reviewer,
        "reviewer2": reviewer2,
    }


def url(name: str, entry: Entry) -> str:
    return reverse(f"reviews:{name}", args=[entry.pk])


def snapshot(entry: Entry) -> tuple:
    return Entry.objects.values().get(pk=entry.pk), Event.objects.filter(entry=entry).count()


def submitted(world) -> Entry:
    entry = workflow.save_draft(world["entry"], by=world["clerk"], version=1, **FILLED)
    return workflow.submit(entry, by=world["clerk"], version=entry.version)


def form_data(entry: Entry, intent: str, **overrides) -> dict:
    return {"version": entry.version, "intent": intent, **FILLED, **overrides}


# Anonymous visitors, wrong methods, other departments -------------------------------------------

@pytest.mark.parametrize("name", ["entry", *POST_URLS])
def test_an_anonymous_visitor_is_sent_to_sign_in(client, world, name):
    response = client.post(url(name, world["entry"])) if name != "entry" else client.get(url(name, world["entry"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", [name for name in POST_URLS if name != "entry-edit"])
def test_get_on_an_action_url_is_not_allowed(client, world, name):
    client.force_login(world["clerk"])
    assert client.get(url(name, world["entry"])).status_code == 405


def test_an_action_opened_as_a_page_explains_itself_in_japanese(client, world):
    client.force_login(world["clerk"])
    response = client.get(url("entry-withdraw", world["entry"]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "ボタンから" in response.content.decode()


def test_a_form_sent_from_a_page_opened_before_signing_in_again_is_refused_with_advice(world):
    """A form left open in one tab while the person signs out and in again in another: the CSRF
    check refuses it, on our Japanese page that tells how not to lose the text."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["clerk"])
    page = browser.get(url("entry", world["entry"]))
    token = page.context["csrf_token"]
    browser.logout()
    browser.force_login(world["clerk"])  # signing in rotates the token the old page carries
    response = browser.post(url("entry-edit", world["entry"]),
                            {**form_data(world["entry"], "save"), "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 403
    text = response.content.decode()
    assert "送信できませんでした" in text and "入力した内容は保存されていません" in text
    assert "DEBUG" not in text and "CSRF" not in text


def test_opening_the_edit_address_leads_to_the_entry_page(client, world):
    """Where a sign-in that expired while saving sends people back (its next=), or a bookmark."""
    client.force_login(world["clerk"])
    response = client.get(url("entry-edit", world["entry"]))
    assert response.status_code == 302
    assert response["Location"] == url("entry", world["entry"])


def test_text_sent_after_the_session_ended_comes_back_on_the_form_after_signing_in(client, world):
    """A clerk writes for longer than the idle limit; the save finds the session ended. After
    signing in again the entry page shows what they typed, unsaved, and nothing was written."""
    entry = world["entry"]
    before = snapshot(entry)
    client.force_login(world["clerk"])
    page = client.get(url("entry", entry)).content.decode()
    writer = re.search(r'name="writer" value="([^"]+)"', page).group(1)
    client.logout()
    typed = {**form_data(entry, "save", implementation="四時間かけて書いた実施内容", status="B"), "writer": writer}

    response = client.post(url("entry-edit", entry), typed)  # no session: it had ended

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert snapshot(entry) == before
    signed_in = client.post(response["Location"], {"username": "staff_a", "password": "pass-for-tests"}, follow=True)
    assert signed_in.redirect_chain[-1][0] == url("entry", entry)
    page = signed_in.content.decode()
    assert "四時間かけて書いた実施内容" in page
    assert "まだ保存されていません" in page
    assert signed_in.context["unsaved"] is True
    assert snapshot(entry) == before
    # Shown once: a reload shows the saved entry again.
    assert "四時間かけて書いた実施内容" not in client.get(url("entry", entry)).content.decode()

    saved = client.post(url("entry-edit", entry), {**signed_in.context["form"].data, "intent": "save"})
    assert saved.status_code == 302
    assert Entry.objects.get(pk=entry.pk).implementation == "四時間かけて書いた実施内容"


def test_text_kept_over_a_sign_in_is_not_shown_to_someone_of_another_department(client, world):
    entry = world["entry"]
    typed = {**form_data(entry, "save", implementation="商工観光課の下書き"), "writer": writer_token(world["clerk"])}
    response = client.post(url("entry-edit", entry), typed)
    page = client.post(response["Location"], {"username": "staff_b", "password": "pass-for-tests"}, follow=True)
    assert page.status_code == 404
    assert "商工観光課の下書き" not in page.content.decode()


def test_text_kept_over_a_sign_in_goes_back_to_its_writer_only(client, world):
    """The next person to sign in on that browser, here a colleague of the same department, does not
    get another's unsaved text as their own."""
    entry = world["entry"]
    colleague = make_user("colleague", "商工観光課")
    typed = {**form_data(entry, "save", implementation="staff_a の書きかけ"), "writer": writer_token(world["clerk"])}
    client.post(url("entry-edit", entry), typed)
    client.force_login(colleague)
    # Nor is it kept in the colleague's session, waiting unseen until that session ends.
    assert "staff_a の書きかけ" not in str(dict(client.session))
    page = client.get(url("entry", entry)).content.decode()
    assert "staff_a の書きかけ" not in page and "入力した内容を戻しました" not in page


def test_text_kept_over_a_sign_in_stays_through_its_writers_own_sign_in(client, world):
    entry = world["entry"]
    typed = {**form_data(entry, "save", implementation="本人の書きかけ"), "writer": writer_token(world["clerk"])}
    response = client.post(url("entry-edit", entry), typed)
    client.post(response["Location"], {"username": "staff_a", "password": "pass-for-tests"})
    assert "本人の書きかけ" in str(dict(client.session))


def test_text_kept_for_one_entry_waits_while_the_writer_opens_another(client, world):
    entry = world["entry"]
    other = make_entry(world["round"], make_project(Department.objects.get(name="商工観光課"), name="別の事業"))
    typed = {**form_data(entry, "save", implementation="待っている文章"), "writer": writer_token(world["clerk"])}
    client.post(url("entry-edit", entry), typed)
    client.force_login(world["clerk"])
    assert "待っている文章" not in client.get(url("entry", other)).content.decode()
    assert "待っている文章" in client.get(url("entry", entry)).content.decode()


def test_text_kept_for_an_entry_submitted_meanwhile_is_shown_to_copy_not_lost(client, world):
    """A colleague submitted the entry while its writer was signing in again: the text cannot go
    back on a form, so the page shows it to copy, and says why."""
    entry = world["entry"]
    typed = {**form_data(entry, "save", implementation="提出に間に合わなかった文章"),
             "writer": writer_token(world["clerk"])}
    client.post(url("entry-edit", entry), typed)
    submitted(world)
    client.force_login(world["clerk"])
    page = client.get(url("entry", entry)).content.decode()
    assert "保存されなかった内容" in page and "提出に間に合わなかった文章" in page
    assert "記入欄に戻せませんでした" in page
    assert "提出に間に合わなかった文章" not in client.get(url("entry", entry)).content.decode()  # shown once


def test_text_posted_without_a_page_shown_to_someone_is_not_kept(client, world):
    """Anyone can post to the address without signing in: what they send must not come back on a
    clerk's form as the clerk's own text, ready to be saved under their name."""
    entry = world["entry"]
    for writer in ("", "forged", signing.dumps(world["clerk"].pk, salt="another-purpose")):
        planted = {**form_data(entry, "save", implementation="仕込まれた文章", status="D"), "writer": writer}
        response = client.post(url("entry-edit", entry), planted)
        assert response.status_code == 302
    signed_in = client.post(response["Location"], {"username": "staff_a", "password": "pass-for-tests"}, follow=True)
    page = signed_in.content.decode()
    assert "仕込まれた文章" not in page and "保存できませんでした" in page
    assert Entry.objects.get(pk=entry.pk).implementation == ""


@pytest.mark.parametrize("name", ["entry", *POST_URLS])
def test_a_department_user_cannot_open_or_act_on_another_departments_entry(client, world, name):
    client.force_login(world["other_clerk"])
    before = snapshot(world["entry"])
    if name == "entry":
        response = client.get(url(name, world["entry"]))
    else:
        response = client.post(url(name, world["entry"]), form_data(world["entry"], "save", comment="x", memo="x"))
    assert response.status_code == 404
    assert snapshot(world["entry"]) == before


def test_departments_do_not_see_a_round_in_preparation(client, world):
    Round.objects.filter(pk=world["round"].pk).update(state=Round.State.PREPARING)
    client.force_login(world["clerk"])
    assert client.get(url("entry", world["entry"])).status_code == 404
    assert client.get(reverse("reviews:round", args=[world["round"].pk])).status_code == 404


# The department's entry form ---------------------------------------------------------------------

def test_a_clerk_sees_the_form_with_last_years_entry_beside_it(client, world):
    client.force_login(world["clerk"])
    page = client.get(url("entry", world["entry"])).content.decode()
    assert "企業等誘致事業" in page
    assert "前回の評価（2017年度 実施事業評価）" in page and "昨年の実施内容" in page
    assert 'name="intent" value="save"' in page and 'name="intent" value="submit"' in page
    assert "A: ほぼ予定通りに実施" in page and "D: 未実施" in page
    assert "前回の内容をここに写す" in page
    assert "承認する" not in page


def test_a_clerk_saves_a_draft(client, world):
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", world["entry"]), form_data(world["entry"], "save"), follow=True)
    entry = Entry.objects.get(pk=world["entry"].pk)
    assert entry.implementation == FILLED["implementation"] and entry.state == Entry.State.DRAFT
    assert entry.updated_by == world["clerk"] and entry.text_author == world["clerk"]
    assert "下書きを保存しました" in response.content.decode()


def test_a_clerk_submits_and_the_text_is_saved_with_it(client, world):
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", world["entry"]), form_data(world["entry"], "submit"), follow=True)
    entry = Entry.objects.get(pk=world["entry"].pk)
    assert entry.state == Entry.State.SUBMITTED and entry.evaluation == FILLED["evaluation"]
    assert "提出しました" in response.content.decode()


def test_submitting_with_empty_fields_names_each_field_and_keeps_the_text(client, world):
    client.force_login(world["clerk"])
    data = form_data(world["entry"], "submit", evaluation="", future_policy="")
    response = client.post(url("entry-edit", world["entry"]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "入力内容を確認してください" in page
    assert "「担当課の今後の方針」を入力してください。" in page
    assert FILLED["implementation"] in page
    assert Entry.objects.get(pk=world["entry"].pk).state == Entry.State.DRAFT


def test_a_warning_is_confirmed_before_submitting(client, world):
    client.force_login(world["clerk"])
    data = form_data(world["entry"], "submit", status="D")
    response = client.post(url("entry-edit", world["entry"]), data)
    page = response.content.decode()
    assert "提出前に確認してください" in page and "確認のうえ、このまま提出します" in page
    assert Entry.objects.get(pk=world["entry"].pk).state == Entry.State.DRAFT
    # The page continues from the draft the texts were saved as, as the browser's form does.
    version = response.context["form"]["version"].value()
    client.post(url("entry-edit", world["entry"]), {**data, "version": version, "confirmed": "on"})
    assert Entry.objects.get(pk=world["entry"].pk).state == Entry.State.SUBMITTED


def test_a_text_over_1000_characters_is_refused_with_the_count(client, world):
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", world["entry"]), form_data(world["entry"], "save", evaluation="あ" * 1001))
    assert response.status_code == 400
    assert "1,000文字以内で入力してください（現在 1,001 文字）" in response.content.decode()
    assert Entry.objects.get(pk=world["entry"].pk).evaluation == ""


def test_a_stale_save_is_refused_shows_the_other_text_and_keeps_mine(client, world):
    colleague = make_user("colleague", make_department("商工観光課"))
    workflow.save_draft(world["entry"], by=colleague, version=1, implementation="同僚の内容")
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", world["entry"]),
                           form_data(world["entry"], "save", implementation="私の内容"))
    page = response.content.decode()
    assert response.status_code == 409
    assert "ほかの人が保存した内容" in page and "同僚の内容" in page
    assert "私の内容" in page  # kept on the form for merging
    assert 'name="version" value="2"' in page  # a deliberate re-save now works
    assert Entry.objects.get(pk=world["entry"].pk).implementation == "同僚の内容"


def test_a_submit_overtaken_by_a_colleagues_save_says_the_words_were_saved_but_not_submitted(
        client, world, monkeypatch):
    colleague = make_user("colleague", make_department("商工観光課"))
    save_draft = workflow.save_draft

    def colleague_saves_right_after(entry, **kwargs):
        saved = save_draft(entry, **kwargs)
        # The colleague opened the entry after the clerk's words were saved, and saves before the submit.
        save_draft(saved, by=colleague, version=saved.version, implementation="同僚が続けた内容")
        return saved

    monkeypatch.setattr(workflow, "save_draft", colleague_saves_right_after)
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", world["entry"]),
                           form_data(world["entry"], "submit", implementation="私の実施内容"))

    page = response.content.decode()
    entry = Entry.objects.get(pk=world["entry"].pk)
    assert response.status_code == 409
    assert "下書きとして保存しましたが" in page and "まだ提出されていません" in page
    assert "あなたの変更はまだ保存されていません" not in page
    assert "同僚が続けた内容" in page and "私の実施内容" in page  # both shown, to merge deliberately
    assert entry.state == Entry.State.DRAFT and entry.implementation == "同僚が続けた内容"
    assert entry.history.filter(implementation="私の実施内容").exists()  # the clerk's words were saved


def test_a_clerk_withdraws_a_submitted_entry(client, world):
    entry = submitted(world)
    client.force_login(world["clerk"])
    client.post(url("entry-withdraw", entry), {"version": entry.version})
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.DRAFT


def test_a_clerk_cannot_edit_a_submitted_entry(client, world):
    entry = submitted(world)
    client.force_login(world["clerk"])
    before = snapshot(entry)
    response = client.post(url("entry-edit", entry), form_data(entry, "save", implementation="書き換え"), follow=True)
    assert "「提出済」のため、下書き保存することはできません" in response.content.decode()
    assert snapshot(entry) == before


@pytest.mark.parametrize("name", ["entry-return", "entry-approve", "entry-reopen", "entry-memo"])
def test_a_clerk_may_not_take_a_reviewers_action(client, world, name):
    entry = submitted(world)
    client.force_login(world["clerk"])
    before = snapshot(entry)
    response = client.post(url(name, entry), {"version": entry.version, "comment": "x", "memo": "x"})
    assert response.status_code == 403
    assert snapshot(entry) == before


# The reviewer ------------------------------------------------------------------------------------

def test_a_reviewer_returns_an_entry_with_a_comment_the_department_then_sees(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    response = client.post(url("entry-return", entry), {"version": entry.version, "comment": "件数を追記してください"},
                           follow=True)
    assert "担当課に差し戻しました" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.RETURNED
    client.force_login(world["clerk"])
    page = client.get(url("entry", entry)).content.decode()
    assert "件数を追記してください" in page


def test_returning_without_a_comment_is_refused_and_changes_nothing(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    before = snapshot(entry)
    response = client.post(url("entry-return", entry), {"version": entry.version, "comment": " "}, follow=True)
    assert response.status_code == 400 and "理由を入力してください" in response.content.decode()
    assert snapshot(entry) == before


def test_a_reviewer_approves_and_reopens_with_a_reason(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    client.post(url("entry-approve", entry), {"version": entry.version})
    entry.refresh_from_db()
    assert entry.state == Entry.State.APPROVED
    client.post(url("entry-reopen", entry), {"version": entry.version, "comment": "数値の誤りが見つかった"})
    entry.refresh_from_db()
    assert entry.state == Entry.State.RETURNED
    assert entry.events.first().comment == "数値の誤りが見つかった"


def test_a_reviewer_cannot_submit_a_departments_entry(client, world):
    client.force_login(world["reviewer"])
    before = snapshot(world["entry"])
    response = client.post(url("entry-edit", world["entry"]), form_data(world["entry"], "submit"))
    assert response.status_code == 403
    assert snapshot(world["entry"]) == before


def test_a_reviewer_corrects_a_submitted_text_and_another_reviewer_must_approve(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    client.post(url("entry-edit", entry), form_data(entry, "correct", evaluation="企画課が補った評価"))
    entry.refresh_from_db()
    assert entry.evaluation == "企画課が補った評価" and entry.text_author == world["reviewer"]
    page = client.get(url("entry", entry)).content.decode()
    assert "承認する" not in page
    assert client.post(url("entry-approve", entry), {"version": entry.version}).status_code == 403
    client.force_login(world["reviewer2"])
    client.post(url("entry-approve", entry), {"version": entry.version})
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.APPROVED


def test_the_reviewer_sees_what_changed_since_the_previous_submission(client, world):
    entry = submitted(world)
    entry = workflow.return_entry(entry, by=world["reviewer"], version=entry.version, comment="直してください")
    entry = workflow.submit(entry, by=world["clerk"], version=entry.version,
                            texts={**FILLED, "future_policy": "新しい方針"})
    client.force_login(world["reviewer"])
    page = client.get(url("entry", entry)).content.decode()
    assert "前回の提出からの変更" in page and "新しい方針" in page


def test_the_memo_is_for_reviewers_only(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    client.post(url("entry-memo", entry), {"version": entry.memo_version, "memo": "委員会で要説明"})
    assert Entry.objects.get(pk=entry.pk).memo == "委員会で要説明"
    client.force_login(world["clerk"])
    assert "委員会で要説明" not in client.get(url("entry", entry)).content.decode()


def test_nothing_changes_in_a_published_round(client, world):
    entry = submitted(world)
    Round.objects.filter(pk=world["round"].pk).update(state=Round.State.PUBLISHED)
    client.force_login(world["reviewer"])
    before = snapshot(entry)
    response = client.post(url("entry-approve", entry), {"version": entry.version}, follow=True)
    assert "公表済みの評価回は変更できません" in response.content.decode()
    assert snapshot(entry) == before


def test_the_history_shows_every_change_and_transition_newest_first(client, world):
    entry = submitted(world)
    workflow.return_entry(entry, by=world["reviewer"], version=entry.version, comment="直してください")
    client.force_login(world["clerk"])
    page = client.get(url("entry", entry)).content.decode()
    history = page[page.index("履歴（新しい順）"):]
    assert re.findall(r"<strong>(.*?)</strong>", history) == ["差戻し", "提出"]
    assert "直してください" in history
    assert FILLED["implementation"] in history  # the field change, old → new


def test_changed_a_submit_stopped_by_warnings_keeps_its_texts_as_the_draft_after_a_reload(client, world):
    client.force_login(world["clerk"])
    data = form_data(world["entry"], "submit", status="D", implementation="講座の準備を進めた")
    response = client.post(url("entry-edit", world["entry"]), data)
    assert "入力した内容は下書きとして保存しました" in response.content.decode()
    reloaded = client.get(url("entry", world["entry"])).content.decode()
    assert "講座の準備を進めた" in reloaded
    entry = Entry.objects.get(pk=world["entry"].pk)
    assert entry.state == Entry.State.DRAFT and entry.implementation == "講座の準備を進めた"


def test_changed_a_submit_stopped_by_empty_fields_saves_what_was_typed(client, world):
    client.force_login(world["clerk"])
    data = form_data(world["entry"], "submit", evaluation="", implementation="途中まで書いた")
    response = client.post(url("entry-edit", world["entry"]), data)
    assert response.status_code == 400 and "入力した内容は下書きとして保存しました" in response.content.decode()
    assert Entry.objects.get(pk=world["entry"].pk).implementation == "途中まで書いた"


def test_a_submit_the_entry_cannot_take_saves_nothing_and_names_submitting(client, world):
    entry = world["entry"]
    entry = workflow.save_draft(entry, by=world["clerk"], version=entry.version, **FILLED)
    entry = workflow.submit(entry, by=world["clerk"], version=entry.version)
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", entry), form_data(entry, "submit", evaluation="書き換え"))
    assert response.status_code == 409 and "提出する" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).evaluation == FILLED["evaluation"]


def test_changed_no_textarea_cuts_a_paste_the_counter_knows_the_limit_instead(client, world):
    client.force_login(world["clerk"])
    page = client.get(url("entry", world["entry"])).content.decode()
    assert "maxlength" not in page
    assert page.count('data-limit="1000"') >= 4  # three texts and the message
    assert "data-unsaved-warning" in page


def test_a_refused_memo_says_why(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    response = client.post(url("entry-memo", entry), {"version": entry.memo_version, "memo": "メモ\x07"}, follow=True)
    assert "使えない制御文字" in response.content.decode()
    response = client.post(url("entry-memo", entry), {"version": entry.memo_version, "memo": "あ" * 1001}, follow=True)
    assert "現在 1,001 文字" in response.content.decode()


def test_a_return_comment_of_only_spaces_gets_its_error_beside_the_field(client, world):
    entry = submitted(world)
    client.force_login(world["reviewer"])
    response = client.post(url("entry-return", entry), {"version": entry.version, "comment": "　  \r\n "})
    assert response.status_code == 400
    page = response.content.decode()
    field = page.index('id="comment-return"')
    error = page.index('id="comment-return-error"')
    assert abs(field - error) < 600 and "空白だけでは送れません" in page
    assert 'aria-describedby="comment-return-error"' in page
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.SUBMITTED


def test_the_letter_groups_error_is_tied_to_the_group_for_screen_readers(client, world):
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", world["entry"]), form_data(world["entry"], "submit", status=""))
    page = response.content.decode()
    assert 'aria-describedby="status-error"' in page and 'id="status-error"' in page


def test_signing_out_says_so(client, world):
    client.force_login(world["clerk"])
    response = client.post(reverse("logout"), follow=True)
    assert "ログアウトしました。" in response.content.decode()


def test_the_entry_page_prints_the_saved_texts_in_full(client, world):
    entry = workflow.save_draft(world["entry"], by=world["clerk"], version=world["entry"].version,
                                **{**FILLED, "evaluation": "長い評価の文。" * 80})
    client.force_login(world["clerk"])
    page = client.get(url("entry", entry)).content.decode()
    printed = page[page.index('class="entry-texts print-only"'):]
    assert "長い評価の文。" * 80 in printed
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text(encoding="utf-8")
    assert "@media print" in css and "size: A4 portrait" in css


def test_a_stale_memo_keeps_the_memo_typed_and_does_not_blame_the_clerk(client, world):
    entry = submitted(world)
    opened = entry.memo_version
    workflow.save_memo(entry, by=world["reviewer2"], version=opened, memo="一人目のメモ")
    client.force_login(world["reviewer"])
    response = client.post(url("entry-memo", entry), {"version": opened, "memo": "二人目のメモ"})
    page = response.content.decode()
    assert response.status_code == 409 and "別の審査担当者が保存しました" in page and "二人目のメモ" in page
    assert world["clerk"].last_name + "さん" not in page
    assert 'data-unsaved-warning="unsaved"' in page


def test_a_refused_return_keeps_the_reason_typed(client, world):
    entry = submitted(world)
    stale = entry.version
    workflow.correct(entry, by=world["reviewer2"], version=entry.version, evaluation="補足")
    client.force_login(world["reviewer"])
    response = client.post(url("entry-return", entry), {"version": stale, "comment": "件数を書いてください"})
    assert response.status_code == 409 and "件数を書いてください</textarea>" in response.content.decode()


# Last year's text, without JavaScript ------------------------------------------------------------

def entry_form_buttons(page: str, entry: Entry) -> list[str]:
    """The submit buttons of the entry's edit form, in the page's order."""
    form = page[page.index(f'action="{url("entry-edit", entry)}"'):]
    return re.findall(r'<button type="submit"[^>]*>', form[:form.index("</form>")])


def typed_without_a_button(entry: Entry, **texts) -> dict:
    """The form as the clerk filled it in; the button pressed is added by each test."""
    data = form_data(entry, "save", **texts)
    del data["intent"]
    return data


def test_a_clerk_without_javascript_copies_last_years_text_and_keeps_what_they_typed(client, world):
    """With scripts off, 「前回の内容をここに写す」 is a button of the form itself: the page comes back
    with last year's text in that field and the rest as the clerk typed it, and nothing is saved
    until they press 下書き保存."""
    entry = world["entry"]
    before = snapshot(entry)
    client.force_login(world["clerk"])
    buttons = entry_form_buttons(client.get(url("entry", entry)).content.decode(), entry)
    assert any('name="copy_previous" value="implementation"' in button for button in buttons)
    assert 'value="save"' in buttons[0]  # Enter in a field still saves the draft, never copies

    typed = typed_without_a_button(entry, status="B", implementation="", evaluation="今年書いた評価",
                                   future_policy="今年の方針")
    response = client.post(url("entry-edit", entry), {**typed, "copy_previous": "implementation"})

    assert response.status_code == 200
    form = response.context["form"]
    assert form["implementation"].value() == "昨年の実施内容"
    assert [form[name].value() for name in ("status", "evaluation", "future_policy")] == ["B", "今年書いた評価", "今年の方針"]
    page = response.content.decode()
    assert "まだ保存されていません" in page and 'data-unsaved-warning="unsaved"' in page
    assert snapshot(entry) == before  # not saved, no version taken, no event

    client.post(url("entry-edit", entry), {**typed, "implementation": form["implementation"].value(),
                                            "version": form["version"].value(), "intent": "save"})
    saved = Entry.objects.get(pk=entry.pk)
    assert (saved.implementation, saved.evaluation, saved.status) == ("昨年の実施内容", "今年書いた評価", "B")


def test_copying_over_a_half_written_text_shows_the_replaced_text_so_nothing_is_lost(client, world):
    """Without a script nobody asks 「置き換えます。よろしいですか？」 first: the text that was in
    the field stays on the page to take back."""
    entry = world["entry"]
    client.force_login(world["clerk"])
    typed = typed_without_a_button(entry, evaluation="半分まで書いた評価")
    response = client.post(url("entry-edit", entry), {**typed, "copy_previous": "evaluation"})

    assert response.context["form"]["evaluation"].value() == "昨年の評価"
    page = response.content.decode()
    assert "前回の内容に置き換える前の入力" in page and "半分まで書いた評価" in page
    assert Entry.objects.get(pk=entry.pk).evaluation == ""


def test_copying_saves_nothing_and_a_colleagues_save_meanwhile_is_still_caught(client, world):
    """Copying is not saving: the form keeps the version the clerk opened, so a colleague's save
    in between is still shown as a conflict when the clerk saves."""
    entry = world["entry"]
    opened = entry.version
    colleague = make_user("colleague", make_department("商工観光課"))
    workflow.save_draft(entry, by=colleague, version=opened, implementation="同僚の内容")
    after_colleague = snapshot(entry)
    client.force_login(world["clerk"])

    typed = typed_without_a_button(entry, implementation="", evaluation="私の評価")
    response = client.post(url("entry-edit", entry), {**typed, "copy_previous": "future_policy"})
    assert response.status_code == 200
    assert response.context["form"]["version"].value() == str(opened)
    assert snapshot(entry) == after_colleague

    response = client.post(url("entry-edit", entry), {**typed, "future_policy": "昨年の方針", "intent": "save"})
    page = response.content.decode()
    assert response.status_code == 409 and "ほかの人が保存した内容" in page and "同僚の内容" in page
    assert "私の評価" in page and "昨年の方針" in page
    assert Entry.objects.get(pk=entry.pk).implementation == "同僚の内容"


def test_a_clerk_who_copies_after_the_entry_was_submitted_keeps_what_they_typed(client, world):
    """A colleague submitted the entry while the clerk was still writing: copying is refused with
    a reason, the typed text stays on the page, and the submitted entry is untouched."""
    entry = world["entry"]
    opened = entry.version
    submitted(world)
    before = snapshot(entry)
    client.force_login(world["clerk"])
    response = client.post(url("entry-edit", entry), {
        **typed_without_a_button(entry, evaluation="書きかけの評価"), "version": opened,
        "copy_previous": "implementation"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "書きかけの評価" in page and "写せませんでした" in page
    assert snapshot(entry) == before

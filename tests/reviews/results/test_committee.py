"""The committee's loop: opinions on a published round, answered in the next round by the
addressed departments through the entry's rules, and entries held back while unanswered."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Department, Goal, Project
from reviews.entries import workflow
from reviews.entries.workflow import WorkflowError
from reviews.models import Answer, Entry, Opinion, Round
from reviews.results import answers, opinions
from reviews.rounds import life
from reviews.sheets.export import export_round
from reviews.sheets.loading import import_update
from reviews.sheets.workbook.reader import read_sheet
from tests.factories import FILLED, make_user

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"  # 商工観光課
SHARED = "多世代居住支援事業"  # 都市計画課 and 企画課


def fy2017() -> Round:
    return Round.objects.get(fiscal_year=2017)


@pytest.fixture
def next_round(seed, reviewer) -> Round:
    """FY2018 created from FY2017 and still in preparation: opinions on FY2017 may change."""
    return life.create_round(fy2017(), by=reviewer, fiscal_year=2018, title="平成30年度 実施事業評価",
                             implementation_heading="平成30年度の実施内容", legend="",
                             deadline=timezone.localdate() + timedelta(days=30))


def record_on_project(name: str, reviewer, text: str = "企業訪問の成果を数字で示してください。", **kwargs) -> Opinion:
    return opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.PROJECT,
                                   target=Project.objects.get(name=name), text=text, **kwargs)


def test_an_opinion_on_fy2017_is_answered_in_fy2018_returned_answered_again_and_approved(
    next_round, reviewer, reviewer2, staff_a
):
    opinion = record_on_project(PROJECT, reviewer)
    assert [d.name for d in opinion.departments.all()] == ["商工観光課"]  # the project's, by default
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    assert (answer.round, answer.department.name, answer.state) == (next_round, "商工観光課", Entry.State.DRAFT)

    # While the answer is unwritten, the project's FY2018 entry cannot be submitted.
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    with pytest.raises(workflow.UnansweredOpinions) as refused:
        workflow.submit(entry, by=staff_a, version=entry.version, texts=FILLED)
    assert refused.value.answers == [answer] and refused.value.draft_saved
    entry.refresh_from_db()
    assert entry.state == Entry.State.DRAFT and entry.implementation == FILLED["implementation"]

    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="訪問件数と誘致件数を記載します。")
    answer = answers.return_answer(answer, by=reviewer, version=answer.version, comment="目標の件数も書いてください。")
    assert answer.state == Entry.State.RETURNED
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version,
                                   text="訪問件数と誘致件数を、目標の年10件と並べて記載します。")
    answer = answers.approve_answer(answer, by=reviewer, version=answer.version)
    assert answer.state == Entry.State.APPROVED
    assert [e.action for e in answer.events.order_by("created_at", "id")] == [
        "submit", "return", "submit", "approve"]

    entry.refresh_from_db()
    entry = workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True)
    assert entry.state == Entry.State.SUBMITTED


def test_a_submitted_answer_is_enough_to_submit_the_entry(next_round, reviewer, staff_a):
    opinion = record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    answers.submit_answer(answer, by=staff_a, version=answer.version, text="対応します。")
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    workflow.submit(entry, by=staff_a, version=entry.version, texts=FILLED, confirmed=True)
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.SUBMITTED


def test_answers_follow_the_entrys_rules(next_round, reviewer, staff_a, staff_b):
    opinion = record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    with pytest.raises(PermissionDenied):  # another department
        answers.save_answer(answer, by=staff_b, version=answer.version, text="他課が書く")
    with pytest.raises(WorkflowError, match="対応方針を入力してから提出してください"):
        answers.submit_answer(answer, by=staff_a, version=answer.version)
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="対応します。")
    with pytest.raises(PermissionDenied):  # a clerk cannot approve
        answers.approve_answer(answer, by=staff_a, version=answer.version)
    with pytest.raises(WorkflowError, match="理由"):
        answers.return_answer(answer, by=reviewer, version=answer.version, comment="  ")
    with pytest.raises(answers.StaleAnswerError):
        answers.return_answer(answer, by=reviewer, version=answer.version - 1, comment="古い画面から")
    life.change_state(next_round, "close", by=reviewer)
    answer.refresh_from_db()
    answer = answers.return_answer(answer, by=reviewer, version=answer.version, comment="直してください。")
    # After the deadline a returned answer may still be reworked and resubmitted, as an entry may.
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="直しました。")
    assert answer.state == Entry.State.SUBMITTED


def test_a_reviewer_cannot_approve_an_answer_they_wrote(next_round, reviewer, reviewer2):
    goal = Goal.objects.get(number=1)
    opinion = opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.GOAL, target=goal,
                                      text="基本目標1の数値目標の進み具合を示してください。",
                                      departments=[Department.objects.get(name="企画課")])
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    answer = answers.submit_answer(answer, by=reviewer, version=answer.version, text="企画課として対応します。")
    with pytest.raises(PermissionDenied, match="自分が記載した"):
        answers.approve_answer(answer, by=reviewer, version=answer.version)
    assert answers.approve_answer(answer, by=reviewer2, version=answer.version).state == Entry.State.APPROVED


def test_policy_and_goal_opinions_need_chosen_departments_and_do_not_hold_entries(next_round, reviewer, staff_a):
    policy = Project.objects.get(name=PROJECT).policy
    with pytest.raises(opinions.OpinionError, match="回答する課を1つ以上選んでください"):
        opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.POLICY, target=policy, text="意見")
    chosen = [Department.objects.get(name="商工観光課"), Department.objects.get(name="農業振興課")]
    opinion = opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.POLICY, target=policy,
                                      text="施策全体の成果を示してください。", departments=chosen)
    life.change_state(next_round, "open", by=reviewer)
    assert sorted(a.department.name for a in opinion.answers.all()) == ["商工観光課", "農業振興課"]
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    workflow.submit(entry, by=staff_a, version=entry.version, texts=FILLED, confirmed=True)
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.SUBMITTED


def test_opinions_may_change_until_the_next_round_opens_and_never_change_the_round(next_round, reviewer):
    before = list(Entry.objects.filter(round=fy2017()).order_by("pk").values())
    opinion = record_on_project(PROJECT, reviewer)
    opinions.edit_opinion(opinion, by=reviewer, text="書き直した意見", departments=[])
    assert Opinion.objects.get(pk=opinion.pk).text == "書き直した意見"
    life.change_state(next_round, "open", by=reviewer)
    with pytest.raises(opinions.OpinionError, match="次の評価回の受付が始まったため"):
        opinions.edit_opinion(opinion, by=reviewer, text="さらに書き直す")
    with pytest.raises(opinions.OpinionError, match="次の評価回の受付が始まったため"):
        record_on_project(SHARED, reviewer)
    with pytest.raises(opinions.OpinionError):
        opinions.delete_opinion(opinion, by=reviewer)
    assert list(Entry.objects.filter(round=fy2017()).order_by("pk").values()) == before
    assert Round.objects.get(pk=fy2017().pk).state == Round.State.PUBLISHED


def test_only_reviewers_record_opinions_and_only_on_a_published_round(next_round, reviewer, staff_a):
    with pytest.raises(PermissionDenied):
        record_on_project(PROJECT, staff_a)
    with pytest.raises(opinions.OpinionError, match="公表した評価回"):
        opinions.record_opinion(next_round, by=reviewer, subject=Opinion.Subject.PROJECT,
                                target=Project.objects.get(name=PROJECT), text="意見")
    with pytest.raises(opinions.OpinionError, match="基本施策を選んでください"):
        opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.POLICY,
                                target=Project.objects.get(name=PROJECT), text="意見")
    with pytest.raises(opinions.OpinionError, match="入力してください"):
        record_on_project(PROJECT, reviewer, text="   ")
    with pytest.raises(opinions.OpinionError, match="U\\+0007"):
        record_on_project(PROJECT, reviewer, text="ベル\x07")


def test_a_shared_projects_opinion_is_answered_by_both_departments(next_round, reviewer, staff_ab):
    opinion = record_on_project(SHARED, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    assert sorted(a.department.name for a in opinion.answers.all()) == ["企画課", "都市計画課"]
    entry = Entry.objects.get(round=next_round, project__name=SHARED)
    first = Answer.objects.get(opinion=opinion, department__name="都市計画課")
    answers.submit_answer(first, by=staff_ab, version=first.version, text="都市計画課として対応します。")
    with pytest.raises(workflow.UnansweredOpinions) as refused:  # 企画課 has not answered yet
        workflow.submit(entry, by=staff_ab, version=entry.version, texts=FILLED, confirmed=True)
    assert [a.department.name for a in refused.value.answers] == ["企画課"]


def test_uploading_a_sheet_leaves_answers_alone(next_round, reviewer, staff_a):
    opinion = record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    answers.save_answer(answer, by=staff_a, version=answer.version, text="下書きの対応方針")
    before = list(Answer.objects.values())
    shoko = Department.objects.get(name="商工観光課")
    buffer = io.BytesIO()
    export_round(next_round, buffer, department=shoko)
    document = read_sheet(buffer.getvalue()).document
    next(p for p in document.projects() if p.name == PROJECT).evaluation = "入力表で書いた評価"
    result = import_update(document, next_round, by=staff_a, department=shoko)
    assert result.applied, [str(e) for e in result.errors]
    assert Entry.objects.get(round=next_round, project__name=PROJECT).evaluation == "入力表で書いた評価"
    assert list(Answer.objects.values()) == before


# --- on screen -------------------------------------------------------------------------------

def test_a_reviewer_records_an_opinion_on_the_published_round_page(client, next_round, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:round-opinions", args=[fy2017().pk])
    project = Project.objects.get(name=PROJECT)
    response = client.post(url, {"subject": "project", "project": project.pk, "text": "成果を数字で示してください。"})
    opinion = Opinion.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reviews:opinion", args=[opinion.pk])
    assert opinion.project == project and [d.name for d in opinion.departments.all()] == ["商工観光課"]
    # A policy chosen as the subject but not picked is named beside its field.
    response = client.post(url, {"subject": "policy", "text": "意見"})
    assert response.status_code == 400 and "意見の対象を選んでください。" in response.content.decode()
    page = client.get(url).content.decode()
    assert "成果を数字で示してください。" in page and "委員会意見を登録する" in page


def test_departments_cannot_record_opinions_and_see_only_those_addressed_to_them(
    client, next_round, reviewer, staff_a, staff_b
):
    opinion = record_on_project(PROJECT, reviewer)
    url = reverse("reviews:round-opinions", args=[fy2017().pk])
    client.force_login(staff_a)
    page = client.get(url).content.decode()
    assert "企業訪問の成果を数字で示してください。" in page and "委員会意見を登録する" not in page
    assert client.post(url, {"subject": "project", "project": opinion.project_id, "text": "x"}).status_code == 403
    assert client.post(reverse("reviews:opinion-edit", args=[opinion.pk]), {"text": "x"}).status_code == 403
    client.force_login(staff_b)
    assert "企業訪問の成果" not in client.get(url).content.decode()
    assert client.get(reverse("reviews:opinion", args=[opinion.pk])).status_code == 404


def test_a_department_answers_on_its_screen_and_the_blocked_entry_links_to_the_opinion(
    client, next_round, reviewer, reviewer2, staff_a, staff_b
):
    opinion = record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    client.force_login(staff_a)
    home = client.get(reverse("reviews:round", args=[next_round.pk])).content.decode()
    assert reverse("reviews:round-answers", args=[next_round.pk]) in home and "未提出（下書き・差戻し）1件" in home
    listing = client.get(reverse("reviews:round-answers", args=[next_round.pk])).content.decode()
    assert reverse("reviews:answer", args=[answer.pk]) in listing

    response = client.post(reverse("reviews:entry-edit", args=[entry.pk]),
                           {"intent": "submit", "version": entry.version, "confirmed": "on", **FILLED})
    page = response.content.decode()
    assert response.status_code == 409 and "委員会意見への対応方針がまだ提出されていないため" in page
    assert reverse("reviews:opinion", args=[opinion.pk]) in page and reverse("reviews:answer", args=[answer.pk]) in page
    assert Entry.objects.get(pk=entry.pk).implementation == FILLED["implementation"]  # kept as the draft

    response = client.post(reverse("reviews:answer-edit", args=[answer.pk]),
                           {"intent": "submit", "version": answer.version, "text": "件数を示します。"})
    assert response.status_code == 302 and Answer.objects.get(pk=answer.pk).state == Entry.State.SUBMITTED
    client.force_login(staff_b)
    assert client.get(reverse("reviews:answer", args=[answer.pk])).status_code == 404
    assert client.post(reverse("reviews:answer-edit", args=[answer.pk]),
                       {"intent": "save", "version": 2, "text": "他課"}).status_code == 404

    client.force_login(reviewer)
    assert "審査待ち 1件" in client.get(reverse("reviews:queue", args=[next_round.pk])).content.decode()
    answer.refresh_from_db()
    response = client.post(reverse("reviews:answer-action", args=[answer.pk, "return"]),
                           {"version": answer.version, "comment": ""})
    assert response.status_code == 400 and "理由を入力してください" in response.content.decode()
    client.post(reverse("reviews:answer-action", args=[answer.pk, "return"]),
                {"version": answer.version, "comment": "目標も書いてください。"})
    answer.refresh_from_db()
    assert answer.state == Entry.State.RETURNED
    client.force_login(staff_a)
    page = client.get(reverse("reviews:answer", args=[answer.pk])).content.decode()
    assert "差戻しの理由" in page and "目標も書いてください。" in page
    client.post(reverse("reviews:answer-edit", args=[answer.pk]),
                {"intent": "submit", "version": answer.version, "text": "件数を目標と並べて示します。"})
    client.force_login(reviewer2)
    answer.refresh_from_db()
    client.post(reverse("reviews:answer-action", args=[answer.pk, "approve"]), {"version": answer.version})
    assert Answer.objects.get(pk=answer.pk).state == Entry.State.APPROVED
    assert client.post(reverse("reviews:answer-action", args=[answer.pk, "explode"]),
                       {"version": 1}).status_code == 400


def test_an_opinion_page_shows_hostile_text_as_text(client, next_round, reviewer):
    opinion = record_on_project(PROJECT, reviewer, text='<script>alert("x")</script>=1+1')
    client.force_login(reviewer)
    page = client.get(reverse("reviews:opinion", args=[opinion.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;=1+1" in page


def test_a_reviewer_edits_and_deletes_an_opinion_until_the_next_round_opens(client, next_round, reviewer):
    opinion = record_on_project(PROJECT, reviewer)
    client.force_login(reviewer)
    shoko = Department.objects.get(name="商工観光課")
    client.post(reverse("reviews:opinion-edit", args=[opinion.pk]), {"text": "直した意見", "departments": [shoko.pk]})
    assert Opinion.objects.get(pk=opinion.pk).text == "直した意見"
    assert "削除しますか" in client.get(reverse("reviews:opinion-delete", args=[opinion.pk])).content.decode()
    client.post(reverse("reviews:opinion-delete", args=[opinion.pk]))
    assert not Opinion.objects.exists()


def queries_for(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_opinion_and_answer_pages_take_the_same_number_of_queries_whatever_their_number(
    client, next_round, reviewer, staff_a
):
    first = record_on_project(PROJECT, reviewer)
    client.force_login(reviewer)
    opinions_url = reverse("reviews:round-opinions", args=[fy2017().pk])
    answers_url = reverse("reviews:round-answers", args=[next_round.pk])
    before = queries_for(client, opinions_url)
    for name in ("求人情報提供事業", SHARED):
        record_on_project(name, reviewer)
    assert queries_for(client, opinions_url) == before
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=first)
    answers_before = queries_for(client, answers_url)
    opinion_before = queries_for(client, reverse("reviews:opinion", args=[first.pk]))
    for name in ("農業振興課", "広報課"):  # more departments answering the first opinion
        Answer.objects.create(opinion=first, round=next_round, department=Department.objects.get(name=name))
    assert queries_for(client, answers_url) == answers_before
    client.force_login(staff_a)
    answer_url = reverse("reviews:answer", args=[answer.pk])
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="対応します。")
    answer = answers.return_answer(answer, by=reviewer, version=answer.version, comment="直してください。")
    page_before = queries_for(client, answer_url)
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="直しました。")
    answer = answers.return_answer(answer, by=reviewer, version=answer.version, comment="もう一度。")
    assert queries_for(client, answer_url) == page_before  # four events now, two before
    client.force_login(reviewer)
    assert queries_for(client, reverse("reviews:opinion", args=[first.pk])) == opinion_before


def test_a_round_is_published_only_once_its_answers_are_approved(next_round, reviewer, reviewer2, staff_a):
    opinion = record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    Entry.objects.filter(round=next_round).update(state=Entry.State.APPROVED, **FILLED)
    assert any("委員会意見への対応方針 1 件も" in line for line in life.state_change_consequences(next_round, "publish"))
    with pytest.raises(life.RoundError, match="承認されていない委員会意見への対応方針が 1 件"):
        life.change_state(next_round, "publish", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="対応します。")
    answers.approve_answer(answer, by=reviewer2, version=answer.version)
    assert life.change_state(next_round, "publish", by=reviewer).state == Round.State.PUBLISHED
    with pytest.raises(WorkflowError, match="公表済み"):
        answers.reopen_answer(Answer.objects.get(pk=answer.pk), by=reviewer, version=answer.version + 1,
                              comment="公表後に")


def test_an_opinion_names_its_subject_as_the_published_round_showed_it(next_round, reviewer):
    project = Project.objects.get(name=PROJECT)
    policy = project.policy
    opinion = record_on_project(PROJECT, reviewer)
    on_policy = opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.POLICY, target=policy,
                                        text="施策への意見", departments=list(project.departments.all()))
    title = policy.title
    Project.objects.filter(pk=project.pk).update(name="企業誘致推進事業")
    type(policy).objects.filter(pk=policy.pk).update(title="書き換えた基本施策")
    assert Opinion.objects.get(pk=opinion.pk).subject_name == PROJECT
    assert Opinion.objects.get(pk=on_policy.pk).subject_name == title


def test_an_answer_withdrawn_after_the_entry_was_submitted_holds_back_its_approval(
    next_round, reviewer, staff_a
):
    opinion = record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    answer = Answer.objects.get(opinion=opinion)
    answer = answers.submit_answer(answer, by=staff_a, version=answer.version, text="対応します。")
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    entry = workflow.submit(entry, by=staff_a, version=entry.version, texts=FILLED, confirmed=True)
    answers.withdraw_answer(answer, by=staff_a, version=answer.version)
    with pytest.raises(workflow.UnansweredOpinions, match="承認できません（対応方針を書く課: 商工観光課）"):
        workflow.approve(entry, by=reviewer, version=entry.version)
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.SUBMITTED
    assert answer.history.count() >= 1


def test_the_refusal_names_the_department_that_must_answer(next_round, reviewer, staff_a):
    opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.PROJECT,
                            target=Project.objects.get(name=PROJECT), text="他課と連携してください。",
                            departments=[Department.objects.get(name="地域保健課")])
    life.change_state(next_round, "open", by=reviewer)
    entry = Entry.objects.get(round=next_round, project__name=PROJECT)
    with pytest.raises(workflow.UnansweredOpinions, match="対応方針を書く課: 地域保健課"):
        workflow.submit(entry, by=staff_a, version=entry.version, texts=FILLED, confirmed=True)


def test_a_clerk_sees_only_approved_answers_of_other_departments_in_the_packet_and_lists(
    client, next_round, reviewer, staff_a, staff_b
):
    policy = Project.objects.get(name=PROJECT).policy
    opinion = opinions.record_opinion(fy2017(), by=reviewer, subject=Opinion.Subject.POLICY, target=policy,
                                      text="施策の意見", departments=[Department.objects.get(name="商工観光課"),
                                                                  Department.objects.get(name="地域保健課")])
    life.change_state(next_round, "open", by=reviewer)
    ours = Answer.objects.get(opinion=opinion, department__name="商工観光課")
    answers.save_answer(ours, by=staff_a, version=ours.version, text="商工観光課の下書き")
    client.force_login(staff_b)
    page = client.get(reverse("reviews:round-packet", args=[fy2017().pk])).content.decode()
    assert "商工観光課の下書き" not in page
    listing = client.get(reverse("reviews:round-opinions", args=[fy2017().pk])).content.decode()
    assert "商工観光課: " not in listing and "地域保健課: " in listing
    client.force_login(reviewer)
    assert "商工観光課の下書き" in client.get(reverse("reviews:round-packet", args=[fy2017().pk])).content.decode()


def test_an_opinion_edit_refused_after_the_next_round_opened_says_so_and_keeps_the_text(
    client, next_round, reviewer
):
    opinion = record_on_project(PROJECT, reviewer)
    client.force_login(reviewer)
    life.change_state(next_round, "open", by=reviewer)  # another reviewer opens the next round meanwhile
    response = client.post(reverse("reviews:opinion-edit", args=[opinion.pk]), {"text": "遅れて直した意見"})
    page = response.content.decode()
    assert response.status_code == 409 and "次の評価回の受付が始まったため" in page and "遅れて直した意見" in page


def test_the_entry_page_links_only_the_answers_a_user_may_open(client, next_round, reviewer, staff_ab, staff_b):
    """The entry page decides each answer's link from what it read (reviews.access.may_see_answer):
    the same as answers_visible_to, and another department's answer is named but not linked."""
    from reviews.access import answers_visible_to, may_see_answer

    planning = Department.objects.get(name="企画課")
    record_on_project(SHARED, reviewer)
    record_on_project(PROJECT, reviewer)
    life.change_state(next_round, "open", by=reviewer)
    city_planning = make_user("toshi_only", "都市計画課")
    every = list(Answer.objects.select_related("department"))
    assert {a.department.name for a in every} >= {"都市計画課", "企画課", "商工観光課"}
    for user in (reviewer, staff_ab, staff_b, city_planning):
        visible = set(answers_visible_to(user).values_list("pk", flat=True))
        assert {a.pk for a in every if may_see_answer(user, a)} == visible, user.username
    entry = Entry.objects.get(round=next_round, project__name=SHARED)
    client.force_login(city_planning)
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    own = Answer.objects.get(opinion__project__name=SHARED, department__name="都市計画課")
    other = Answer.objects.get(opinion__project__name=SHARED, department=planning)
    assert reverse("reviews:answer", args=[own.pk]) in page
    assert reverse("reviews:answer", args=[other.pk]) not in page
    assert "企画課の対応方針" in page

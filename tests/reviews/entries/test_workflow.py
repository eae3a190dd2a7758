"""The entry's life, as the planning division and the departments live it."""

import pytest
from django.core.exceptions import PermissionDenied

from reviews.entries import workflow
from reviews.models import Entry, Event, Round
from tests.factories import FILLED, make_department, make_entry, make_project, make_round, make_user

pytestmark = pytest.mark.django_db

DRAFT, SUBMITTED, RETURNED, APPROVED = (s.value for s in Entry.State)
PREPARING, OPEN, CLOSED, PUBLISHED = (s.value for s in Round.State)


@pytest.fixture
def cast(staff_a, staff_b, reviewer, reviewer2):
    """The conftest cast under the names the matrix below uses, and a project of staff_a's."""
    return {
        "member": staff_a,
        "other": staff_b,
        "reviewer": reviewer,
        "reviewer2": reviewer2,
        "project": make_project(make_department("商工観光課")),
    }


def entry_in(state: str, cast, round_state: str = OPEN) -> Entry:
    """An entry brought to ``state`` through the real workflow, then the round set."""
    round_ = make_round(state=OPEN)
    entry = make_entry(round_, cast["project"])
    member, reviewer = cast["member"], cast["reviewer"]
    if state != DRAFT:
        entry = workflow.save_draft(entry, by=member, version=entry.version, **FILLED)
        entry = workflow.submit(entry, by=member, version=entry.version)
    if state == RETURNED:
        entry = workflow.return_entry(entry, by=reviewer, version=entry.version, comment="数字を確認してください")
    if state == APPROVED:
        entry = workflow.approve(entry, by=reviewer, version=entry.version)
    Round.objects.filter(pk=round_.pk).update(state=round_state)
    return Entry.objects.select_related("round", "project").get(pk=entry.pk)


# What docs/domain.md allows: (action, entry state, round state, who). Everything else is refused.
ALLOWED = {
    ("submit", DRAFT, OPEN, "member"),
    ("submit", RETURNED, OPEN, "member"),
    ("submit", RETURNED, CLOSED, "member"),
    ("withdraw", SUBMITTED, OPEN, "member"),
    ("return", SUBMITTED, OPEN, "reviewer"),
    ("return", SUBMITTED, CLOSED, "reviewer"),
    ("approve", SUBMITTED, OPEN, "reviewer"),
    ("approve", SUBMITTED, CLOSED, "reviewer"),
    ("reopen", APPROVED, OPEN, "reviewer"),
    ("reopen", APPROVED, CLOSED, "reviewer"),
}
TARGET = {"submit": SUBMITTED, "withdraw": DRAFT, "return": RETURNED, "approve": APPROVED, "reopen": RETURNED}
DEPARTMENT_ACTIONS = {"submit", "withdraw"}


def act(action: str, entry: Entry, user) -> Entry:
    if action == "submit":
        # A draft in the matrix is filled first so that only the rules, not empty fields, decide.
        if entry.state == DRAFT and not entry.implementation:
            Entry.objects.filter(pk=entry.pk).update(**FILLED)
            entry.refresh_from_db()
        return workflow.submit(entry, by=user, version=entry.version)
    comment = "理由を書きました" if action in ("return", "reopen") else ""
    return workflow.TRANSITION_FUNCTIONS[action](entry, by=user, version=entry.version, **(
        {"comment": comment} if action != "withdraw" else {}
    ))


@pytest.mark.parametrize("who", ["member", "other", "reviewer"])
@pytest.mark.parametrize("round_state", [PREPARING, OPEN, CLOSED, PUBLISHED])
@pytest.mark.parametrize("entry_state", [DRAFT, SUBMITTED, RETURNED, APPROVED])
@pytest.mark.parametrize("action", ["submit", "withdraw", "return", "approve", "reopen"])
def test_workflow_matrix(cast, action, entry_state, round_state, who):
    entry = entry_in(entry_state, cast, round_state)
    if action == "submit" and entry_state == DRAFT:
        Entry.objects.filter(pk=entry.pk).update(**FILLED)
        entry.refresh_from_db()
    before = Entry.objects.values().get(pk=entry.pk)
    events = Event.objects.filter(entry=entry).count()
    user = cast[who]

    if (action, entry_state, round_state, who) in ALLOWED:
        result = act(action, entry, user)
        assert result.state == TARGET[action]
        assert Event.objects.filter(entry=entry).count() == events + 1
        event = Event.objects.filter(entry=entry).first()
        assert (event.action, event.from_state, event.to_state, event.actor) == (
            action, entry_state, TARGET[action], user,
        )
        assert result.version == before["version"] + 1
    else:
        wrong_role = who != ("member" if action in DEPARTMENT_ACTIONS else "reviewer")
        with pytest.raises(PermissionDenied if wrong_role else workflow.WorkflowError):
            act(action, entry, user)
        assert Entry.objects.values().get(pk=entry.pk) == before
        assert Event.objects.filter(entry=entry).count() == events


@pytest.mark.parametrize("round_state", [PREPARING, OPEN, CLOSED, PUBLISHED])
@pytest.mark.parametrize("entry_state", [DRAFT, SUBMITTED, RETURNED, APPROVED])
def test_the_buttons_offered_are_exactly_what_is_allowed(cast, entry_state, round_state):
    entry = entry_in(entry_state, cast, round_state)
    for who in ("member", "other", "reviewer"):
        offered = {r.action for r in workflow.available_actions(entry, cast[who])}
        expected = {a for (a, s, rs, w) in ALLOWED if (s, rs, w) == (entry_state, round_state, who)}
        assert offered & set(TARGET) == expected, who


def test_a_reviewer_cannot_approve_text_they_corrected_but_another_reviewer_can(cast):
    entry = entry_in(SUBMITTED, cast)
    entry = workflow.correct(entry, by=cast["reviewer"], version=entry.version, evaluation="企画課が補足した評価")
    assert entry.text_author == cast["reviewer"]
    assert entry.state == SUBMITTED
    with pytest.raises(PermissionDenied, match="自分が記載した内容は承認できません"):
        workflow.approve(entry, by=cast["reviewer"], version=entry.version)
    assert "approve" not in {r.action for r in workflow.available_actions(entry, cast["reviewer"])}
    approved = workflow.approve(entry, by=cast["reviewer2"], version=entry.version)
    assert approved.state == APPROVED


def test_a_reviewer_who_wrote_their_own_departments_entry_cannot_approve_it(cast):
    kikaku_project = make_project(make_department("企画課"), name="企画課の事業")
    round_ = make_round(state=OPEN)
    entry = make_entry(round_, kikaku_project)
    entry = workflow.save_draft(entry, by=cast["reviewer"], version=entry.version, **FILLED)
    entry = workflow.submit(entry, by=cast["reviewer"], version=entry.version)
    with pytest.raises(PermissionDenied):
        workflow.approve(entry, by=cast["reviewer"], version=entry.version)
    assert workflow.approve(entry, by=cast["reviewer2"], version=entry.version).state == APPROVED


def test_returning_or_reopening_needs_a_comment(cast):
    entry = entry_in(SUBMITTED, cast)
    with pytest.raises(workflow.WorkflowError, match="コメント"):
        workflow.return_entry(entry, by=cast["reviewer"], version=entry.version, comment="   ")
    assert Entry.objects.get(pk=entry.pk).state == SUBMITTED
    approved = workflow.approve(entry, by=cast["reviewer"], version=entry.version)
    with pytest.raises(workflow.WorkflowError):
        workflow.reopen(approved, by=cast["reviewer"], version=approved.version, comment="")
    assert Entry.objects.get(pk=entry.pk).state == APPROVED


def test_the_return_comment_is_kept_on_the_event(cast):
    entry = entry_in(RETURNED, cast)
    event = entry.events.first()
    assert (event.action, event.comment, event.actor) == ("return", "数字を確認してください", cast["reviewer"])


def test_an_empty_required_field_blocks_submission_with_each_field_named(cast):
    entry = make_entry(make_round(), cast["project"])
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, status="A", implementation="実施した")
    with pytest.raises(workflow.SubmissionError) as refused:
        workflow.submit(entry, by=cast["member"], version=entry.version)
    assert set(refused.value.errors) == {"evaluation", "future_policy"}
    assert "担当課の今後の方針" in refused.value.errors["future_policy"]
    assert Entry.objects.get(pk=entry.pk).state == DRAFT


def test_status_d_without_saying_not_carried_out_is_a_warning_to_confirm(cast):
    entry = make_entry(make_round(), cast["project"])
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, **{**FILLED, "status": "D"})
    with pytest.raises(workflow.NeedsConfirmation) as warned:
        workflow.submit(entry, by=cast["member"], version=entry.version)
    assert "D: 未実施" in warned.value.warnings[0]
    assert Entry.objects.get(pk=entry.pk).state == DRAFT
    assert workflow.submit(entry, by=cast["member"], version=entry.version, confirmed=True).state == SUBMITTED


def test_status_d_that_says_it_was_not_carried_out_submits_without_warning(cast):
    entry = make_entry(make_round(), cast["project"])
    texts = {**FILLED, "status": "D", "implementation": "予算の都合により平成30年度は未実施。"}
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, **texts)
    assert workflow.submit(entry, by=cast["member"], version=entry.version).state == SUBMITTED


def test_text_unchanged_from_last_year_is_a_warning(cast):
    make_entry(make_round(2017, state=PUBLISHED), cast["project"], state=APPROVED, **FILLED)
    entry = make_entry(make_round(2018), cast["project"])
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, **FILLED)
    with pytest.raises(workflow.NeedsConfirmation) as warned:
        workflow.submit(entry, by=cast["member"], version=entry.version)
    assert len(warned.value.warnings) == 3
    assert "前回（2017年度" not in warned.value.warnings[0]
    assert "平成29年度" in warned.value.warnings[0]


def test_two_saves_from_the_same_version_the_second_is_refused_and_nothing_is_lost(cast):
    entry = make_entry(make_round(), cast["project"])
    opened_version = entry.version
    colleague = make_user("colleague", make_department("商工観光課"))
    workflow.save_draft(entry, by=colleague, version=opened_version, implementation="同僚が書いた内容")

    with pytest.raises(workflow.StaleEntryError) as stale:
        workflow.save_draft(entry, by=cast["member"], version=opened_version, implementation="私が書いた内容")

    assert stale.value.current.implementation == "同僚が書いた内容"
    assert "colleague" in stale.value.message
    assert Entry.objects.get(pk=entry.pk).implementation == "同僚が書いた内容"


def test_a_transition_from_an_old_version_is_refused(cast):
    entry = entry_in(SUBMITTED, cast)
    stale_version = entry.version
    workflow.correct(entry, by=cast["reviewer2"], version=stale_version, evaluation="補足")
    with pytest.raises(workflow.StaleEntryError):
        workflow.approve(entry, by=cast["reviewer"], version=stale_version)
    assert Entry.objects.get(pk=entry.pk).state == SUBMITTED


def test_every_text_change_is_in_the_history_with_who_changed_it(cast):
    entry = make_entry(make_round(), cast["project"])
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, implementation="一回目")
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, implementation="二回目")
    records = list(entry.history.order_by("-history_date"))
    assert [r.implementation for r in records[:2]] == ["二回目", "一回目"]
    assert records[0].history_user == cast["member"]


def test_what_changed_since_the_previous_submission(cast):
    entry = entry_in(RETURNED, cast)
    entry = workflow.save_draft(entry, by=cast["member"], version=entry.version, evaluation="直した評価")
    entry = workflow.submit(entry, by=cast["member"], version=entry.version)
    changes = workflow.changes_since_previous_submission(entry)
    assert changes.changed == ["evaluation"]
    assert changes.previous["evaluation"] == FILLED["evaluation"]
    assert changes.current["evaluation"] == "直した評価"


def test_the_memo_is_the_reviewers_and_stays_out_of_the_departments_reach(cast):
    entry = entry_in(APPROVED, cast)
    entry = workflow.save_memo(entry, by=cast["reviewer"], version=entry.memo_version, memo="委員会で説明が必要")
    assert entry.memo == "委員会で説明が必要" and entry.state == APPROVED
    with pytest.raises(PermissionDenied):
        workflow.save_memo(entry, by=cast["member"], version=entry.memo_version, memo="書き換え")


def test_a_reviewer_who_wrote_most_of_the_text_cannot_approve_after_a_colleague_touched_it(cast):
    kikaku = make_department("企画課")
    colleague = make_user("colleague", kikaku)
    entry = make_entry(make_round(state=OPEN), make_project(kikaku, name="企画課の事業"))
    entry = workflow.save_draft(entry, by=cast["reviewer"], version=entry.version, **FILLED)
    entry = workflow.save_draft(entry, by=colleague, version=entry.version, future_policy="来年度も継続する！")
    entry = workflow.submit(entry, by=colleague, version=entry.version)
    assert entry.text_author == colleague
    with pytest.raises(PermissionDenied):
        workflow.approve(entry, by=cast["reviewer"], version=entry.version)
    assert workflow.approve(entry, by=cast["reviewer2"], version=entry.version).state == APPROVED


def test_writing_the_memo_does_not_stop_a_reviewer_from_approving(cast):
    entry = entry_in(SUBMITTED, cast)
    entry = workflow.save_memo(entry, by=cast["reviewer"], version=entry.memo_version, memo="確認済み")
    assert workflow.approve(entry, by=cast["reviewer"], version=entry.version).state == APPROVED


def test_a_submitted_entry_cannot_be_withdrawn_after_the_deadline(cast):
    from datetime import timedelta

    from django.utils import timezone

    entry = entry_in(SUBMITTED, cast)
    Round.objects.filter(pk=entry.round_id).update(deadline=timezone.localdate() - timedelta(days=1))
    entry = Entry.objects.select_related("round", "project").get(pk=entry.pk)
    with pytest.raises(workflow.WorkflowError, match="取り下げられません"):
        workflow.withdraw(entry, by=cast["member"], version=entry.version)
    assert Entry.objects.get(pk=entry.pk).state == SUBMITTED


def test_changed_a_reviewer_saving_the_memo_does_not_put_the_departments_editor_into_a_conflict(cast):
    entry = entry_in(DRAFT, cast)
    opened_at = entry.version  # the clerk opens the form
    workflow.save_memo(entry, by=cast["reviewer"], version=entry.memo_version, memo="委員会で説明")
    saved = workflow.save_draft(entry, by=cast["member"], version=opened_at, **FILLED)
    assert saved.implementation == FILLED["implementation"] and saved.memo == "委員会で説明"


def test_the_department_saving_does_not_put_the_reviewers_memo_into_a_conflict(cast):
    entry = entry_in(DRAFT, cast)
    memo_opened_at = entry.memo_version
    workflow.save_draft(entry, by=cast["member"], version=entry.version, **FILLED)
    assert workflow.save_memo(entry, by=cast["reviewer"], version=memo_opened_at, memo="メモ").memo == "メモ"


def test_two_reviewers_writing_the_memo_at_once_are_still_a_conflict(cast):
    entry = entry_in(DRAFT, cast)
    opened_at = entry.memo_version
    workflow.save_memo(entry, by=cast["reviewer"], version=opened_at, memo="一人目")
    with pytest.raises(workflow.StaleEntryError):
        workflow.save_memo(entry, by=cast["reviewer2"], version=opened_at, memo="二人目")

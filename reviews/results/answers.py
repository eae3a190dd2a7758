"""A department's answer (対応方針) to a committee opinion: written, submitted, returned and
approved by the entry's own rules table (reviews.entries.workflow.RULES and check_state), so an
answer and an entry can never follow different rules.

Each function has the entry workflow's shape: in one transaction, lock the round and the answer,
check the role (PermissionDenied) and then the state (WorkflowError), check the version the user
started from (StaleAnswerError), change it, record who and when, and append an AnswerEvent for a
transition.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from projects.access import Role, department_ids_of, is_reviewer
from projects.text import normalize_text, unsafe_character_message
from reviews.entries.workflow import (
    RETURNED,
    RULES,
    Rule,
    WorkflowError,
    check_state,
    wrote_text_under_review,
)
from reviews.fields import TEXT_MAX_LENGTH
from reviews.models import Answer, AnswerEvent, Round
from reviews.rounds.life import deadline_for, has_open_extension_for

ACTIONS = ("save", "submit", "withdraw", "return", "approve", "reopen")
TRANSITIONS = ("submit", "withdraw", "return", "approve", "reopen")
ANSWER_TEXT_FIELDS = ("text",)


class StaleAnswerError(WorkflowError):
    def __init__(self, current: Answer):
        super().__init__("この対応方針は、開いた後に別の人が保存しました。あなたの内容はまだ保存されていません。"
                         "保存された内容を確認してから、もう一度保存してください。")
        self.current = current


def _department_ids(answer: Answer) -> set[int]:
    department = answer.department
    return {department.pk} | ({department.parent_id} if department.parent_id else set())


def check(action: str, answer: Answer, user) -> Rule:
    """Raise PermissionDenied or WorkflowError unless ``user`` may take ``action`` on ``answer``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown answer action: {action}")
    rule = RULES[action]
    if rule.actor == Role.STAFF and answer.department_id not in department_ids_of(user):
        raise PermissionDenied("この操作は、回答する課の職員だけが行えます。")
    if rule.actor == Role.REVIEWER and not is_reviewer(user):
        raise PermissionDenied("この操作は、企画課の審査担当者だけが行えます。")
    if action == "approve" and wrote_text_under_review(answer, user, ANSWER_TEXT_FIELDS):
        raise PermissionDenied("自分が記載した対応方針は承認できません。別の審査担当者に承認を依頼してください。")
    ids = _department_ids(answer)
    check_state(rule, answer.round, answer.state, answer.get_state_display(), noun="対応方針",
                deadline=lambda: deadline_for(answer.round, ids),
                extended=lambda: has_open_extension_for(answer.round, ids))
    return rule


def allows(action: str, answer: Answer, user) -> bool:
    try:
        check(action, answer, user)
    except (PermissionDenied, WorkflowError):
        return False
    return True


def available_actions(answer: Answer, user) -> list[Rule]:
    return [RULES[action] for action in ACTIONS if allows(action, answer, user)]


def return_reason(answer: Answer, events: list[AnswerEvent]) -> AnswerEvent | None:
    """The return (or reopening) that sent a returned answer back, newest event first."""
    if answer.state == RETURNED and events and events[0].action in ("return", "reopen"):
        return events[0]
    return None


def _lock(answer: Answer, version: int | None) -> Answer:
    round_ = Round.objects.select_for_update().get(pk=answer.round_id)
    locked = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("department", "opinion", "updated_by")
        .get(pk=answer.pk)
    )
    locked.round = round_
    if version is not None and locked.version != version:
        raise StaleAnswerError(locked)
    return locked


def _save(answer: Answer, by, fields: list[str]) -> None:
    answer.version += 1
    answer.updated_by = by
    answer._history_user = by
    answer.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def _clean(text: str) -> str:
    text = normalize_text(text or "")
    if problem := unsafe_character_message(text, "対応方針"):
        raise WorkflowError(problem)
    if len(text) > TEXT_MAX_LENGTH:
        raise WorkflowError(f"対応方針は{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 {len(text):,} 文字）。")
    return text


@transaction.atomic
def save_answer(answer: Answer, *, by, version: int, text: str) -> Answer:
    """A member of the addressed department saves the answer without submitting it."""
    locked = _lock(answer, version)
    check("save", locked, by)
    text = _clean(text)
    if locked.text != text:
        locked.text = text
        locked.text_author = by
        _save(locked, by, ["text", "text_author"])
    return locked


def submit_answer(answer: Answer, *, by, version: int, text: str | None = None) -> Answer:
    """Submit the answer for review; ``text``, when given, is saved first in its own transaction,
    so that a refused submit never costs the person their words (``draft_saved`` then says so)."""
    saved = False
    if text is not None:
        if not allows("save", answer, by):
            check("submit", answer, by)  # raises, naming submitting
        before = answer.version
        answer = save_answer(answer, by=by, version=version, text=text)
        saved, version = answer.version != before, answer.version
    try:
        return _transition("submit", answer, by=by, version=version)
    except WorkflowError as error:
        error.draft_saved = saved
        raise


@transaction.atomic
def _transition(action: str, answer: Answer, *, by, version: int, comment: str = "") -> Answer:
    locked = _lock(answer, version)
    rule = check(action, locked, by)
    comment = _clean(comment).strip()
    if rule.needs_comment and not comment:
        raise WorkflowError("理由（コメント）を入力してください。担当課に伝わる内容を書いてください。")
    if action == "submit" and not locked.text.strip():
        raise WorkflowError("対応方針を入力してから提出してください。")
    from_state = locked.state
    locked.state = rule.target
    _save(locked, by, ["state"])
    AnswerEvent.objects.create(answer=locked, action=action, from_state=from_state, to_state=rule.target,
                               actor=by, comment=comment)
    return locked


def withdraw_answer(answer: Answer, *, by, version: int) -> Answer:
    return _transition("withdraw", answer, by=by, version=version)


def return_answer(answer: Answer, *, by, version: int, comment: str) -> Answer:
    return _transition("return", answer, by=by, version=version, comment=comment)


def approve_answer(answer: Answer, *, by, version: int, comment: str = "") -> Answer:
    return _transition("approve", answer, by=by, version=version, comment=comment)


def reopen_answer(answer: Answer, *, by, version: int, comment: str) -> Answer:
    return _transition("reopen", answer, by=by, version=version, comment=comment)


ANSWER_TRANSITION_FUNCTIONS = {
    "withdraw": withdraw_answer, "return": return_answer, "approve": approve_answer, "reopen": reopen_answer,
}

"""A department's answer (対応方針) to a committee opinion: written, submitted, returned and
approved by the entry's own rules (reviews.entries.items.ItemRules over workflow.RULES), so an
answer and an entry can never follow different rules."""

from projects.text import normalize_text, unsafe_character_message
from reviews.entries.items import ACTIONS, TRANSITIONS, ItemRules, StaleItemError
from reviews.entries.workflow import WorkflowError
from reviews.fields import TEXT_MAX_LENGTH
from reviews.models import Answer, AnswerEvent

__all__ = ["ACTIONS", "TRANSITIONS"]

StaleAnswerError = StaleItemError


def _submission_problem(answer: Answer) -> str:
    return "" if answer.text.strip() else "対応方針を入力してから提出してください。"


RULES_FOR_ANSWERS = ItemRules(model=Answer, event_model=AnswerEvent, event_field="answer", noun="対応方針",
                              text_fields=("text",), submission_problem=_submission_problem)
check = RULES_FOR_ANSWERS.check
allows = RULES_FOR_ANSWERS.allows
available_actions = RULES_FOR_ANSWERS.available_actions
return_reason = RULES_FOR_ANSWERS.return_reason


def _clean(text: str) -> str:
    text = normalize_text(text or "")
    if problem := unsafe_character_message(text, "対応方針"):
        raise WorkflowError(problem)
    if len(text) > TEXT_MAX_LENGTH:
        raise WorkflowError(f"対応方針は{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 {len(text):,} 文字）。")
    return text


def save_answer(answer: Answer, *, by, version: int, text: str) -> Answer:
    """A member of the addressed department saves the answer without submitting it."""
    return RULES_FOR_ANSWERS.save(answer, by=by, version=version, values={"text": _clean(text)})


def submit_answer(answer: Answer, *, by, version: int, text: str | None = None) -> Answer:
    values = {"text": _clean(text)} if text is not None else None
    return RULES_FOR_ANSWERS.submit(answer, by=by, version=version, values=values)


def withdraw_answer(answer: Answer, *, by, version: int) -> Answer:
    return RULES_FOR_ANSWERS.transition("withdraw", answer, by=by, version=version)


def return_answer(answer: Answer, *, by, version: int, comment: str) -> Answer:
    return RULES_FOR_ANSWERS.transition("return", answer, by=by, version=version, comment=_clean(comment))


def approve_answer(answer: Answer, *, by, version: int, comment: str = "") -> Answer:
    return RULES_FOR_ANSWERS.transition("approve", answer, by=by, version=version, comment=_clean(comment))


def reopen_answer(answer: Answer, *, by, version: int, comment: str) -> Answer:
    return RULES_FOR_ANSWERS.transition("reopen", answer, by=by, version=version, comment=_clean(comment))


ANSWER_TRANSITION_FUNCTIONS = {
    "withdraw": withdraw_answer, "return": return_answer, "approve": approve_answer, "reopen": reopen_answer,
}

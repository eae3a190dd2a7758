"""Items that follow an entry's rules without being entries: a committee opinion's answer and a
goal's or a policy's KPI actual. Each belongs to a round and a department, has a state, a
version, a text author, events and a history; ItemRules takes it through reviews.entries.workflow's
RULES table and check_state, so no item can follow rules of its own.

Every function has the entry workflow's shape: in one transaction, lock the round and the item,
check the role (PermissionDenied) and then the state (WorkflowError), check the version the user
started from (StaleItemError), change it, record who and when, append an event for a transition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from projects.access import Role, department_ids_of, is_reviewer
from reviews.entries.workflow import (
    RETURNED,
    RULES,
    Rule,
    WorkflowError,
    check_state,
    wrote_text_under_review,
)
from reviews.models import Round
from reviews.rounds.life import deadline_for, has_open_extension_for

ACTIONS = ("save", "submit", "withdraw", "return", "approve", "reopen")
TRANSITIONS = ("submit", "withdraw", "return", "approve", "reopen")


class StaleItemError(WorkflowError):
    def __init__(self, noun: str, current):
        super().__init__(f"この{noun}は、開いた後に別の人が保存しました。あなたの内容はまだ保存されていません。"
                         "保存された内容を確認してから、もう一度保存してください。")
        self.current = current


@dataclass(frozen=True)
class ItemRules:
    model: type[models.Model]
    event_model: type[models.Model]
    event_field: str  # the event's foreign key to the item
    noun: str  # 対応方針, KPI の実績
    text_fields: tuple[str, ...]  # what the department writes (for "not your own text")
    submission_problem: Callable[[models.Model], str]  # "" when the item may be submitted

    def department_ids(self, item) -> set[int]:
        department = item.department
        return {department.pk} | ({department.parent_id} if department.parent_id else set())

    def check(self, action: str, item, user) -> Rule:
        """Raise PermissionDenied or WorkflowError unless ``user`` may take ``action`` on ``item``."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action: {action}")
        rule = RULES[action]
        if rule.actor == Role.STAFF and item.department_id not in department_ids_of(user):
            raise PermissionDenied("この操作は、担当する課の職員だけが行えます。")
        if rule.actor == Role.REVIEWER and not is_reviewer(user):
            raise PermissionDenied("この操作は、企画課の審査担当者だけが行えます。")
        if action == "approve" and wrote_text_under_review(item, user, self.text_fields):
            raise PermissionDenied(f"自分が記載した{self.noun}は承認できません。別の審査担当者に承認を依頼してください。")
        ids = self.department_ids(item)
        check_state(rule, item.round, item.state, item.get_state_display(), noun=self.noun,
                    deadline=lambda: deadline_for(item.round, ids),
                    extended=lambda: has_open_extension_for(item.round, ids))
        return rule

    def allows(self, action: str, item, user) -> bool:
        try:
            self.check(action, item, user)
        except (PermissionDenied, WorkflowError):
            return False
        return True

    def available_actions(self, item, user) -> list[Rule]:
        return [RULES[action] for action in ACTIONS if self.allows(action, item, user)]

    def lock(self, item, version: int | None):
        round_ = Round.objects.select_for_update().get(pk=item.round_id)
        locked = self.model.objects.select_for_update(of=("self",)).select_related("department", "updated_by").get(
            pk=item.pk)
        locked.round = round_
        if version is not None and locked.version != version:
            raise StaleItemError(self.noun, locked)
        return locked

    def save_item(self, item, by, fields: list[str]) -> None:
        item.version += 1
        item.updated_by = by
        item._history_user = by
        item.save(update_fields=[*fields, "version", "updated_by", "updated_at"])

    def save(self, item, *, by, version: int, values: dict) -> models.Model:
        """A member of the item's department saves what they wrote, without submitting it."""
        with transaction.atomic():
            locked = self.lock(item, version)
            self.check("save", locked, by)
            changed = [name for name, value in values.items() if getattr(locked, name) != value]
            if changed:
                for name in changed:
                    setattr(locked, name, values[name])
                locked.text_author = by
                self.save_item(locked, by, [*changed, "text_author"])
            return locked

    def submit(self, item, *, by, version: int, values: dict | None = None):
        """Submit for review; ``values``, when given, are saved first in their own transaction, so
        that a refused submit never costs the person their words (``draft_saved`` then says so)."""
        saved = False
        if values is not None:
            if not self.allows("save", item, by):
                self.check("submit", item, by)  # raises, naming submitting
            before = item.version
            item = self.save(item, by=by, version=version, values=values)
            saved, version = item.version != before, item.version
        try:
            return self.transition("submit", item, by=by, version=version)
        except WorkflowError as error:
            error.draft_saved = saved
            raise

    def transition(self, action: str, item, *, by, version: int, comment: str = ""):
        with transaction.atomic():
            locked = self.lock(item, version)
            rule = self.check(action, locked, by)
            comment = (comment or "").strip()
            if rule.needs_comment and not comment:
                raise WorkflowError("理由（コメント）を入力してください。担当課に伝わる内容を書いてください。")
            if action == "submit" and (problem := self.submission_problem(locked)):
                raise WorkflowError(problem)
            from_state = locked.state
            locked.state = rule.target
            self.save_item(locked, by, ["state"])
            self.event_model.objects.create(**{self.event_field: locked}, action=action, from_state=from_state,
                                            to_state=rule.target, actor=by, comment=comment)
            return locked

    def return_reason(self, item, events: list):
        """The return (or reopening) that sent a returned item back, newest event first."""
        if item.state == RETURNED and events and events[0].action in ("return", "reopen"):
            return events[0]
        return None

"""The conversation on an entry: return comments, reopening reasons and messages, in order.
Visible to the entry's department and the reviewers; never in any sheet."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction

from projects.access import is_member_for, is_reviewer, reviewers
from projects.text import normalize_text, unsafe_character_message
from reviews.entries import notifications
from reviews.fields import TEXT_MAX_LENGTH
from reviews.models import Entry, Event, Message, Round


class ConversationError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Item:
    when: datetime
    who: object
    text: str
    label: str
    from_reviewer: bool


def may_post(entry: Entry, user) -> bool:
    return entry.round.state != Round.State.PUBLISHED and (is_reviewer(user) or is_member_for(user, entry.project, entry.round.fiscal_year))


@transaction.atomic
def post_message(entry: Entry, *, by, body: str) -> Message:
    """Add a message to the entry's conversation and tell the other side after the commit."""
    if not (is_reviewer(by) or is_member_for(by, entry.project, entry.round.fiscal_year)):
        raise PermissionDenied("この評価のやりとりには、担当課の職員と企画課の審査担当者だけが書き込めます。")
    if entry.round.state == Round.State.PUBLISHED:
        raise ConversationError("公表済みの評価回にはメッセージを書き込めません。")
    body = normalize_text(body)
    if not body:
        raise ConversationError("メッセージを入力してください。")
    unsafe = unsafe_character_message(body)
    if unsafe:
        raise ConversationError(unsafe)
    if len(body) > TEXT_MAX_LENGTH:
        raise ConversationError(f"メッセージは{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 {len(body)} 文字）。")
    message = Message.objects.create(entry=entry, author=by, body=body)
    notifications.entry_message(entry, by=by, body_text=body, from_reviewer=is_reviewer(by))
    return message


def conversation(entry: Entry, events: list[Event] | None = None) -> list[Item]:
    """Return comments, reopening reasons and messages, oldest first. ``events``: the entry's
    events as already read for the page (newest first, with their actors)."""
    if events is None:
        events = entry.events.filter(action__in=[Event.Action.RETURN, Event.Action.REOPEN]).exclude(comment="") \
            .select_related("actor")
    items = [
        Item(e.created_at, e.actor, e.comment, e.get_action_display(), True)
        for e in events if e.action in (Event.Action.RETURN, Event.Action.REOPEN) and e.comment != ""
    ]
    messages = list(entry.messages.select_related("author"))
    reviewer_ids = set(
        reviewers().filter(pk__in={m.author_id for m in messages}).values_list("pk", flat=True)
    )
    items += [Item(m.created_at, m.author, m.body, "メッセージ", m.author_id in reviewer_ids) for m in messages]
    return sorted(items, key=lambda item: item.when)

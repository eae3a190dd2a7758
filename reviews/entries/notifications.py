"""Telling people what happened to their entries: in the app and by email, after the commit.

Nothing here runs inside the caller's transaction: notices are queued with
transaction.on_commit, so a change that is rolled back never announces itself.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from projects.access import project_members, reviewers
from reviews.mail import deliver, one_line
from reviews.models import Entry, MailDelivery, Notification, Round

ACTION_TEXT = {
    "return": "「{project}」が差し戻されました",
    "approve": "「{project}」が承認されました",
    "reopen": "「{project}」の承認が取り消され、差し戻されました",
    "message": "「{project}」に新しいメッセージがあります",
    "submit": "「{project}」が提出されました",
}


def entry_url(entry: Entry) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reviews:entry", args=[entry.pk])


def notify(users, *, entry: Entry | None, text: str, body: str = "", exclude=None, email: bool = True) -> None:
    """Queue an in-app notice (and, unless ``email`` is False, an email) for each user, sent only
    once the change is committed."""
    user_ids = [u.pk for u in users if exclude is None or u.pk != exclude.pk]
    if not user_ids:
        return
    transaction.on_commit(lambda: _deliver(user_ids, entry.pk if entry else None, text, body, email))


def _deliver(user_ids: list[int], entry_id: int | None, text: str, body: str, email: bool = True) -> None:
    # The change is committed; a mail problem must neither undo it nor hide it (reviews.mail).
    Notification.objects.bulk_create(
        Notification(user_id=pk, entry_id=entry_id, text=one_line(text)[:300]) for pk in user_ids
    )
    if not email:
        return
    for user in get_user_model().objects.filter(pk__in=user_ids).exclude(Q(email="") | Q(email__isnull=True)):
        deliver(user, text, body or text, MailDelivery.Kind.NOTIFICATION)


def entry_transition(entry: Entry, action: str, *, by, comment: str = "") -> None:
    """Tell the department when its entry is returned, approved or reopened; tell the reviewers at
    once in the app when one is submitted (by email they hear in the daily digest)."""
    if action == "submit":
        text = ACTION_TEXT["submit"].format(project=entry.project.name)
        notify(reviewers(), entry=entry, text=text, exclude=by, email=False)
        return
    if action not in ("return", "approve", "reopen"):
        return
    text = ACTION_TEXT[action].format(project=entry.project.name)
    body = "\n".join(filter(None, [
        f"{entry.round.display_name}「{entry.project.name}」", text + "。",
        f"コメント: {comment}" if comment else "", f"確認はこちら: {entry_url(entry)}",
    ]))
    notify(project_members(entry.project, entry.round.fiscal_year), entry=entry, text=text, body=body, exclude=by)


def entry_message(entry: Entry, *, by, body_text: str, from_reviewer: bool) -> None:
    """A reviewer's message goes to the department; a department's to the reviewers and colleagues."""
    text = ACTION_TEXT["message"].format(project=entry.project.name)
    body = f"{entry.round.display_name}「{entry.project.name}」\n{body_text}\n\n確認はこちら: {entry_url(entry)}"
    if entry.round.state == Round.State.PREPARING:
        users = set(reviewers())  # departments do not see a round before it opens
    else:
        users = set(project_members(entry.project, entry.round.fiscal_year)) | (set() if from_reviewer else set(reviewers()))
    notify(users, entry=entry, text=text, body=body, exclude=by)

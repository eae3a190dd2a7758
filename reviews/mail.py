"""Outgoing mail: one message per person, each sent and recorded on its own.

Notifications, reminders and any digest go through deliver(), so that one bad address or one
refusal of the mail server neither stops the other recipients nor disappears: it is logged and
listed for administrators (メールの送信記録 in the admin, filtered by 送信失敗).
"""

import logging

from django.core.mail import send_mail

from projects.text import strip_unsafe
from reviews.models import MailDelivery

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[実施事業評価] "
SUBJECT_MAX = 200


def one_line(text: str) -> str:
    """A subject on one line: a project name with a line break made the whole send fail."""
    return " ".join(strip_unsafe(text).split())


def deliver(user, subject: str, body: str, kind: str) -> bool:
    """Send one plain-text message to ``user`` and record it; True when the server took it."""
    subject = one_line(SUBJECT_PREFIX + subject)[:SUBJECT_MAX]
    body = strip_unsafe(body)
    error = ""
    try:
        send_mail(subject, body, None, [user.email])
    except Exception as failure:  # noqa: BLE001 -- any refusal is recorded, and the next recipient still gets theirs
        logger.exception("メールを送れませんでした: %s → %s", subject, user.email)
        error = f"{type(failure).__name__}: {failure}"[:1000]
    MailDelivery.objects.create(
        recipient=user, address=user.email, subject=subject, kind=kind,
        status=MailDelivery.Status.FAILED if error else MailDelivery.Status.SENT, error=error,
    )
    return not error

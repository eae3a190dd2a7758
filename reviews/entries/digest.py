"""The reviewers' daily digest (`manage.py send_digest`, for cron): one email per reviewer a day
listing what was submitted since their last digest. In the app they hear of each submission at
once (reviews.entries.notifications); the digest is the email side of it.

At most one a day per reviewer (DigestLog), each reviewer sent and recorded on their own
(reviews.mail), never to a reviewer who turned it off on their settings page.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.access import reviewers
from projects.fiscal_year import format_date
from projects.models import wants_digest
from reviews.entries.notifications import entry_url
from reviews.mail import deliver
from reviews.models import DigestLog, Event, MailDelivery


@dataclass
class DigestSent:
    username: str
    entries: int


def send_digests(now: datetime | None = None) -> list[DigestSent]:
    """Send today's digest to each reviewer who wants one and has news; returns what was sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = []
    for user in reviewers().exclude(email=""):
        if not wants_digest(user) or DigestLog.objects.filter(user=user, sent_on=today).exists():
            continue
        since = _since(user, now)
        submissions = list(
            Event.objects.filter(action=Event.Action.SUBMIT, created_at__gt=since, created_at__lte=now)
            .exclude(actor=user)
            .select_related("entry__project", "entry__round", "actor").order_by("created_at")
        )
        if not submissions:
            continue
        item = _send(user, submissions, today, since, now)
        if item:
            sent.append(item)
    return sent


def _since(user, now: datetime) -> datetime:
    last = DigestLog.objects.filter(user=user).order_by("-sent_at").values_list("sent_at", flat=True).first()
    return last or now - timedelta(days=1)


def _send(user, submissions: list[Event], today: date, since: datetime, now: datetime) -> DigestSent | None:
    lines = [f"{format_date(timezone.localtime(since))} {timezone.localtime(since):%H:%M} 以降に提出された評価が {len(submissions)} 件あります。", ""]
    for event in submissions:
        entry = event.entry
        lines.append(f"・{entry.round.display_name}「{entry.project.name}」"
                     f"（{format_date(timezone.localtime(event.created_at))} {timezone.localtime(event.created_at):%H:%M}） {entry_url(entry)}")
    lines += ["", "このメールが不要なときは、システムの「設定」で受け取らないようにできます。"]
    try:
        with transaction.atomic():
            DigestLog.objects.create(user=user, sent_on=today, sent_at=now, entries=len(submissions))
    except IntegrityError:
        return None  # another run sent it meanwhile
    if not deliver(user, f"提出のまとめ（{len(submissions)}件）", "\n".join(lines), MailDelivery.Kind.DIGEST):
        # Not taken by the mail server: the next run tries again (the failure is listed for administrators).
        DigestLog.objects.filter(user=user, sent_on=today).delete()
        return None
    return DigestSent(user.username, len(submissions))

"""Reminders to departments with unfinished entries, for cron (`manage.py send_reminders`).

A department hears N days before its deadline, and once after it if still unfinished; a
ReminderLog row per round, department and day makes a second run on the same day send nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from projects.access import department_members
from projects.models import Department
from reviews.entries.notifications import entry_url
from reviews.models import Entry, Notification, ReminderLog, Round
from reviews.rounds.life import entry_deadline

logger = logging.getLogger(__name__)

@dataclass
class Sent:
    round: Round
    department: Department
    late: bool
    recipients: int
    entries: int


def send_reminders(today: date, days_before: int) -> list[Sent]:
    """Email each department with unfinished entries ``days_before`` days before their deadline,
    and once on the first run after it. Each entry's deadline counts extensions of any of its
    departments (and their parents), as submitting does. Returns what was sent."""
    sent: list[Sent] = []
    for round_ in Round.objects.filter(state=Round.State.OPEN, deadline__isnull=False):
        unfinished = (
            Entry.objects.filter(round=round_, state__in=Entry.UNFINISHED_STATES)
            .select_related("round", "project")
            .prefetch_related("project__project_departments__department", "round__extensions")
        )
        due: dict[Department, list[Entry]] = defaultdict(list)
        late: dict[Department, list[Entry]] = defaultdict(list)
        for entry in unfinished:
            deadline = entry_deadline(entry)
            days_left = (deadline - today).days
            for department in entry.project.ordered_departments():
                if days_left < 0:
                    late[department].append(entry)
                elif days_left == days_before:
                    due[department].append(entry)
        for department, entries in late.items():
            if not ReminderLog.objects.filter(round=round_, department=department, late=True).exists():
                _collect(sent, _send(round_, department, entries, today, late=True))
        for department, entries in due.items():
            if department not in late:
                _collect(sent, _send(round_, department, entries, today, late=False))
    return sent


def _collect(sent: list[Sent], item: Sent | None) -> None:
    if item is not None:
        sent.append(item)


def _send(round_: Round, department: Department, entries: list[Entry], today: date, late: bool) -> Sent | None:
    """Log and send one department's reminder together: if the mail cannot be sent, the log is
    rolled back so that the next run tries again, and the other departments still get theirs."""
    users = list(department_members(department))
    deadline = min(entry_deadline(e) for e in entries)
    if late:
        subject = f"[実施事業評価] {department.name}: 提出期限（{deadline:%m月%d日}）を過ぎた評価があります"
    else:
        subject = f"[実施事業評価] {department.name}: 提出期限（{deadline:%m月%d日}）まであと{(deadline - today).days}日です"
    lines = [f"{round_.title} で、{department.name} のまだ提出されていない評価が {len(entries)} 件あります。", ""]
    lines += [f"・{e.project.name}（{e.get_state_display()}） {entry_url(e)}" for e in entries]
    try:
        with transaction.atomic():
            ReminderLog.objects.create(round=round_, department=department, sent_on=today, late=late,
                                       recipients=len(users))
            Notification.objects.bulk_create(
                Notification(user=u, text=subject.removeprefix("[実施事業評価] ")) for u in users
            )
            for address in [u.email for u in users if u.email]:
                send_mail(subject, "\n".join(lines), None, [address])
    except IntegrityError:
        return None  # already reminded today
    except Exception:
        logger.exception("督促メールを送れませんでした: %s", department.name)
        return None
    return Sent(round_, department, late, len(users), len(entries))

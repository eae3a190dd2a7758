"""Reminders to departments with unfinished entries, for cron (`manage.py send_reminders`).

A department hears N days before its deadline, and once after it if still unfinished; a
ReminderLog row per round, department and day makes a second run on the same day send nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from projects.models import Department
from reviews.models import Entry, Notification, ReminderLog, Round
from reviews.notifications import entry_url

UNFINISHED = (Entry.State.DRAFT, Entry.State.RETURNED)


@dataclass
class Sent:
    round: Round
    department: Department
    late: bool
    recipients: int
    entries: int


def department_deadline(round_: Round, department: Department) -> date | None:
    extension = round_.extensions.filter(department=department).first()
    return extension.deadline if extension else round_.deadline


def members(department: Department):
    """Members of the department and, for a sub-unit, of its parent (they work on it too)."""
    ids = [department.pk] + ([department.parent_id] if department.parent_id else [])
    return get_user_model().objects.filter(is_active=True, memberships__department__in=ids).distinct()


def send_reminders(today: date, days_before: int) -> list[Sent]:
    """Email each department with unfinished entries ``days_before`` days before its deadline, and
    once on the first run after the deadline. Returns what was sent."""
    sent: list[Sent] = []
    for round_ in Round.objects.filter(state=Round.State.OPEN, deadline__isnull=False):
        unfinished = Entry.objects.filter(round=round_, state__in=UNFINISHED)
        departments = Department.objects.filter(project_links__project__entries__in=unfinished).distinct()
        for department in departments:
            deadline = department_deadline(round_, department)
            if deadline is None:
                continue
            days_left = (deadline - today).days
            late = days_left < 0
            if late:
                if ReminderLog.objects.filter(round=round_, department=department, late=True).exists():
                    continue
            elif days_left != days_before:
                continue
            entries = list(unfinished.filter(project__departments=department).select_related("project"))
            result = _send(round_, department, deadline, entries, today, late)
            if result:
                sent.append(result)
    return sent


def _send(round_: Round, department: Department, deadline: date, entries: list[Entry], today: date,
          late: bool) -> Sent | None:
    users = list(members(department))
    try:
        with transaction.atomic():
            ReminderLog.objects.create(round=round_, department=department, sent_on=today, late=late,
                                       recipients=len(users))
    except IntegrityError:
        return None  # already reminded today
    if late:
        subject = f"[実施事業評価] {department.name}: 提出期限（{deadline:%m月%d日}）を過ぎた評価があります"
    else:
        subject = f"[実施事業評価] {department.name}: 提出期限（{deadline:%m月%d日}）まであと{(deadline - today).days}日です"
    lines = [f"{round_.title} で、{department.name} のまだ提出されていない評価が {len(entries)} 件あります。", ""]
    lines += [f"・{e.project.name}（{e.get_state_display()}） {entry_url(e)}" for e in entries]
    body = "\n".join(lines)
    Notification.objects.bulk_create(Notification(user=u, text=subject.removeprefix("[実施事業評価] ")) for u in users)
    for address in [u.email for u in users if u.email]:
        send_mail(subject, body, None, [address])
    return Sent(round_, department, late, len(users), len(entries))

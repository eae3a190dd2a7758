"""Reminders to departments with unfinished entries, for cron (`manage.py send_reminders`).

A department hears N days before its deadline, and once after it if still unfinished; a
ReminderLog row per round, department and day makes a second run on the same day send nothing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from projects.access import department_members
from projects.fiscal_year import format_date
from projects.history import PROJECT_HISTORY_PREFETCH, current_successors, departments_in
from projects.models import Department
from reviews.entries.notifications import entry_url
from reviews.mail import deliver, one_line
from reviews.models import Entry, MailDelivery, Notification, ReminderLog, Round
from reviews.rounds.life import entry_deadline


@dataclass
class Sent:
    round: Round
    department: Department
    late: bool
    recipients: int
    entries: int


def _departments_to_remind(entry: Entry) -> list[Department]:
    """The departments whose sheet holds the entry: those that ran it in the round's year (the ones
    that took over, where such a department has since been merged or split)."""
    result: list[Department] = []
    for department in departments_in(entry.project, entry.round.fiscal_year):
        for current in [department] if department.is_current else current_successors(department.pk):
            if current not in result:
                result.append(current)
    return result


def send_reminders(today: date, days_before: int) -> list[Sent]:
    """Email each department with unfinished entries ``days_before`` days before their deadline,
    and once on the first run after it. Each entry's deadline counts extensions of any of its
    departments (and their parents), as submitting does. Returns what was sent."""
    sent: list[Sent] = []
    for round_ in Round.objects.filter(state=Round.State.OPEN, deadline__isnull=False):
        unfinished = (
            Entry.objects.filter(round=round_, state__in=Entry.UNFINISHED_STATES)
            .select_related("round", "project")
            .prefetch_related(*PROJECT_HISTORY_PREFETCH, "round__extensions")
        )
        due: dict[Department, list[Entry]] = defaultdict(list)
        late: dict[Department, list[Entry]] = defaultdict(list)
        for entry in unfinished:
            deadline = entry_deadline(entry)
            days_left = (deadline - today).days
            for department in _departments_to_remind(entry):
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
    """Email each member on their own (reviews.mail records every message), then log the reminder
    with its in-app notices. When every address failed, nothing is logged, so that the next run
    tries again; the failures are listed for administrators either way."""
    if ReminderLog.objects.filter(round=round_, department=department, sent_on=today).exists():
        return None  # already reminded today
    users = list(department_members(department))
    deadline = min(entry_deadline(e) for e in entries)
    if late:
        subject = f"{department.name}: {round_.display_name}の提出期限（{format_date(deadline)}）を過ぎた評価があります"
    else:
        subject = f"{department.name}: {round_.display_name}の提出期限（{format_date(deadline)}）まであと{(deadline - today).days}日です"
    lines = [f"{round_.display_name} で、{department.name} のまだ提出されていない評価が {len(entries)} 件あります。", ""]
    lines += [f"・{e.project.name}（{e.get_state_display()}） {entry_url(e)}" for e in entries]
    results = [deliver(u, subject, "\n".join(lines), MailDelivery.Kind.REMINDER) for u in users if u.email]
    if results and not any(results):
        return None
    try:
        with transaction.atomic():
            ReminderLog.objects.create(round=round_, department=department, sent_on=today, late=late,
                                       recipients=len(users))
            Notification.objects.bulk_create(Notification(user=u, text=one_line(subject)) for u in users)
    except IntegrityError:
        return None  # another run logged it meanwhile
    return Sent(round_, department, late, len(users), len(entries))

"""How far a round has come: each department's entries by state and lateness, and the letters by goal."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q

from projects.models import Goal
from reviews.models import Entry, Round
from reviews.rounds.life import entry_deadline


@dataclass
class DepartmentProgress:
    id: int
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Entry.State.values, 0))
    deadline: date | None = None
    late: bool = False
    last_worked: datetime | None = None

    @property
    def unfinished(self) -> int:
        return sum(self.counts[state] for state in Entry.UNFINISHED_STATES)


def department_progress(round_: Round, today: date) -> list[DepartmentProgress]:
    """One row per department of the round's projects (an entry of a shared project counts for
    each of its departments), in name order. A department is late when one of its unfinished
    entries is past its deadline (extensions counted) while the round is open."""
    entries = (
        Entry.objects.filter(round=round_)
        .select_related("round")
        .prefetch_related("project__project_departments__department", "round__extensions")
    )
    rows: dict[int, DepartmentProgress] = {}
    for entry in entries:
        deadline = entry_deadline(entry)
        for department in entry.project.ordered_departments():
            row = rows.setdefault(department.pk, DepartmentProgress(department.pk, department.name, deadline=deadline))
            row.total += 1
            row.counts[entry.state] += 1
            if deadline and (row.deadline is None or deadline > row.deadline):
                row.deadline = deadline
            if entry.is_unfinished and deadline and today > deadline and round_.state == Round.State.OPEN:
                row.late = True
            if entry.updated_by_id and (row.last_worked is None or entry.updated_at > row.last_worked):
                row.last_worked = entry.updated_at
    return sorted(rows.values(), key=lambda row: row.name)


def letters_by_goal(round_: Round):
    """The strategy's goals, each annotated with its approved entries' A, B, C and D counts."""
    return (
        Goal.objects.filter(strategy=round_.strategy)
        .annotate(**{
            letter: Count("policies__projects__entries", filter=Q(
                policies__projects__entries__round=round_,
                policies__projects__entries__state=Entry.State.APPROVED,
                policies__projects__entries__status=letter))
            for letter in Entry.Status.values
        })
        .order_by("number")
    )

"""The facts of a project as a round shows them: its name, 事業内容, 継続/新規, departments, and
where it stands in the strategy (goal, policy, their order).

A round in preparation, open or closed follows the hierarchy as it stood in its fiscal year: names
and departments as today, unless a change (reviews.changes) took effect after that year, in which
case the names and departments it replaced (projects.history). When a round is
published, each entry captures these facts as they stood (reviews.rounds.record), and every page,
sheet and export of that round reads the captured ones from then on: editing a project, renaming
a department or a goal in the admin never rewrites the published record.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db.models import F, QuerySet

from projects.history import YearBook, department_names_in, project_name_in
from projects.models import Project


@dataclass(frozen=True)
class Facts:
    project_name: str
    description: str
    category: str  # a Project.Category value
    departments: tuple[str, ...]  # names as printed, the lead first (sub-units as themselves)
    goal_number: int
    goal_title: str
    goal_project_label: str
    policy_title: str
    policy_order: int
    project_order: int

    @property
    def category_label(self) -> str:
        return Project.Category(self.category).label

    @property
    def goal_band_text(self) -> str:
        """The goal as printed on the sheet's band row."""
        return self.goal_band_text_of(self.goal_number, self.goal_title, self.goal_project_label)

    @staticmethod
    def goal_band_text_of(number: int | str, title: str, project_label: str) -> str:
        label = f" <{project_label}>" if project_label else ""
        return f"{number} {title}{label}"

    @property
    def sheet_order(self) -> tuple[int, int, int]:
        return (self.goal_number, self.policy_order, self.project_order)

    def to_json(self) -> dict:
        # A shallow copy: every field is a str, an int or a tuple of str (dataclasses.asdict copies
        # deeply, and a sheet's first load writes this for each of thousands of entries).
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["departments"] = list(self.departments)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Facts:
        return cls(**{**data, "departments": tuple(data["departments"])})


_FIELD_NAMES = tuple(field.name for field in fields(Facts))


def live_facts(project, year: int | None = None) -> Facts:
    """The facts of a project as the hierarchy holds them for ``year`` (None: today); uses the
    prefetches `project__policy__goal` and projects.history.PROJECT_HISTORY_PREFETCH when given."""
    policy = project.policy
    goal = policy.goal
    return Facts(
        project_name=project_name_in(project, year), description=project.description, category=project.category,
        departments=department_names_in(project, year),
        goal_number=goal.number, goal_title=goal.title, goal_project_label=goal.project_label,
        policy_title=policy.title, policy_order=policy.order, project_order=project.order,
    )


# The columns facts_of_rows needs besides the caller's own: the live hierarchy, for rounds that
# have captured nothing yet.
_LIVE_COLUMNS = {
    "_name": F("project__name"), "_description": F("project__description"), "_category": F("project__category"),
    "_policy_title": F("project__policy__title"), "_policy_order": F("project__policy__order"),
    "_project_order": F("project__order"), "_goal_number": F("project__policy__goal__number"),
    "_goal_title": F("project__policy__goal__title"), "_project_label": F("project__policy__goal__project_label"),
    "_year": F("round__fiscal_year"),
}


def facts_of_rows(entries: QuerySet, *columns: str, **expressions) -> list[tuple[Facts, dict]]:
    """Each entry of `entries` as (its facts, a plain row of `columns` and named `expressions` plus
    project_id), in a fixed number of queries whatever the number of entries.

    Plain rows, not model instances: a big city's round has 5,000 entries, and five model objects
    per row (entry, project, policy, goal, departments) took about as long as writing the sheet.
    """
    rows = list(entries.values(*columns, "project_id", "published_facts", **_LIVE_COLUMNS, **expressions))
    book = None
    if any(not row["published_facts"] for row in rows):
        # A subquery, not a list of thousands of ids (a big city's round has 5,000 projects).
        book = YearBook(entries.order_by().values("project_id"))
    result = []
    for row in rows:
        if row["published_facts"]:
            facts = Facts.from_json(row["published_facts"])
        else:
            year = row["_year"]
            facts = Facts(
                project_name=book.project_name(row["project_id"], row["_name"], year),
                description=row["_description"], category=row["_category"],
                departments=book.department_names(row["project_id"], year), goal_number=row["_goal_number"],
                goal_title=row["_goal_title"], goal_project_label=row["_project_label"],
                policy_title=row["_policy_title"], policy_order=row["_policy_order"],
                project_order=row["_project_order"],
            )
        result.append((facts, row))
    return result

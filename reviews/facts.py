"""The facts of a project as a round shows them: its name, 事業内容, 継続/新規, departments, and
where it stands in the strategy (goal, policy, their order).

A round in preparation, open or closed follows the hierarchy as it is today. When a round is
published, each entry captures these facts as they stood (reviews.rounds.record), and every page,
sheet and export of that round reads the captured ones from then on: editing a project, renaming
a department or a goal in the admin never rewrites the published record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
        label = f" <{self.goal_project_label}>" if self.goal_project_label else ""
        return f"{self.goal_number} {self.goal_title}{label}"

    @property
    def sheet_order(self) -> tuple[int, int, int]:
        return (self.goal_number, self.policy_order, self.project_order)

    def to_json(self) -> dict:
        data = asdict(self)
        data["departments"] = list(self.departments)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Facts:
        return cls(**{**data, "departments": tuple(data["departments"])})


def live_facts(project) -> Facts:
    """The facts of a project as the hierarchy holds them now (uses the usual prefetches:
    `project__policy__goal` and `project__project_departments__department`)."""
    policy = project.policy
    goal = policy.goal
    return Facts(
        project_name=project.name, description=project.description, category=project.category,
        departments=tuple(d.name for d in project.ordered_departments()),
        goal_number=goal.number, goal_title=goal.title, goal_project_label=goal.project_label,
        policy_title=policy.title, policy_order=policy.order, project_order=project.order,
    )

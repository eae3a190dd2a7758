"""Load the real FY2016–17 evaluation (the seed) and build the demo's next round.

Every function here creates what is missing and leaves what exists alone, so running it twice
changes nothing and never overwrites what users have changed since.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from projects.models import Department, Goal, Policy, Project, ProjectDepartment, Strategy
from reviews.models import Entry, Event, Round
from reviews.rounds.life import change_state, create_round

SEED_PATH = Path(settings.BASE_DIR) / "fixtures" / "iruma-fy2017.json"
SEED_FISCAL_YEAR = 2017
SEED_ROUND_TITLE = "平成29年度 実施事業評価"
SHEET_TITLE_SUFFIX = " 実施事業評価等入力表"
# Sub-units are printed as `青少年課（児童センター）`: the part before the bracket is the parent.
SUB_UNIT_OPEN = "（"

CATEGORY_BY_LABEL = {label: value for value, label in Project.Category.choices}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1


def read_seed(path: Path = SEED_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def strategy_name_from_title(title: str) -> str:
    return title.removesuffix(SHEET_TITLE_SUFFIX).strip()


def legend_text(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


@transaction.atomic
def load_seed(path: Path = SEED_PATH) -> LoadReport:
    """Create the seed's strategy, departments, hierarchy and its published FY2017 round."""
    data = read_seed(path)
    report = LoadReport()

    strategy, created = Strategy.objects.get_or_create(
        name=strategy_name_from_title(data["title"]), defaults={"first_year": 2015, "last_year": 2019}
    )
    report.count("総合戦略", created)

    departments = _load_departments(data, report)

    round_, created = Round.objects.get_or_create(
        fiscal_year=SEED_FISCAL_YEAR,
        defaults={
            "strategy": strategy,
            "title": SEED_ROUND_TITLE,
            "implementation_heading": data["fiscal_year_header"],
            "legend": legend_text(data["legend"]["paragraphs"]),
            "state": Round.State.PUBLISHED,
        },
    )
    report.count("評価回", created)

    for goal_data in data["goals"]:
        goal, created = Goal.objects.get_or_create(
            strategy=strategy,
            number=goal_data["number"],
            defaults={"title": goal_data["title"], "project_label": goal_data["project_label"]},
        )
        report.count("基本目標", created)
        for policy_order, policy_data in enumerate(goal_data["policies"], start=1):
            policy, created = Policy.objects.get_or_create(
                goal=goal, title=policy_data["title"], defaults={"order": policy_order}
            )
            report.count("基本施策", created)
            for project_order, project_data in enumerate(policy_data["projects"], start=1):
                project = _load_project(policy, project_order, project_data, departments, report)
                _load_seed_entry(round_, project, project_data, report)
    return report


def _load_departments(data: dict, report: LoadReport) -> dict[str, Department]:
    names: list[str] = []
    for goal_data in data["goals"]:
        for policy_data in goal_data["policies"]:
            for project_data in policy_data["projects"]:
                names.extend(n for n in project_data["departments"] if n not in names)
    # Parents first, so that a sub-unit can point at its parent.
    parents = {name.split(SUB_UNIT_OPEN)[0] for name in names if SUB_UNIT_OPEN in name}
    departments: dict[str, Department] = {}
    for name in sorted(names, key=lambda n: (SUB_UNIT_OPEN in n, n)):
        parent = departments.get(name.split(SUB_UNIT_OPEN)[0]) if SUB_UNIT_OPEN in name else None
        department, created = Department.objects.get_or_create(name=name, defaults={"parent": parent})
        report.count("部署", created)
        departments[name] = department
    missing_parents = parents - departments.keys()
    for name in missing_parents:
        departments[name], created = Department.objects.get_or_create(name=name)
        report.count("部署", created)
    return departments


def _load_project(
    policy: Policy, order: int, data: dict, departments: dict[str, Department], report: LoadReport
) -> Project:
    project, created = Project.objects.get_or_create(
        policy=policy,
        name=data["name"],
        defaults={
            "description": data["description"],
            "category": CATEGORY_BY_LABEL[data["category"]],
            "order": order,
        },
    )
    report.count("事業", created)
    if created:
        for position, department_name in enumerate(data["departments"], start=1):
            ProjectDepartment.objects.create(
                project=project, department=departments[department_name], position=position
            )
    return project


def _load_seed_entry(round_: Round, project: Project, data: dict, report: LoadReport) -> None:
    if Entry.objects.filter(round=round_, project=project).exists():
        return
    entry = Entry.objects.create(
        round=round_,
        project=project,
        status=data["status"],
        implementation=data["implementation"],
        evaluation=data["evaluation"],
        future_policy=data["future_policy"],
        memo=data["memo"],
        state=Entry.State.APPROVED,
    )
    Event.objects.create(
        entry=entry,
        action=Event.Action.IMPORT,
        from_state="",
        to_state=Entry.State.APPROVED,
        comment="平成29年度の入力表（初期データ）から読み込みました。",
    )
    report.count("評価", True)


def create_demo_round(
    previous: Round, fiscal_year: int, heading: str, title: str, deadline: date
) -> tuple[Round, LoadReport]:
    """Create and open the round after ``previous``, as the planning division would, unless it
    exists already (then it is the users' and left alone)."""
    report = LoadReport()
    existing = Round.objects.filter(fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing, report
    round_ = create_round(
        previous, by=None, system=True, fiscal_year=fiscal_year, title=title, implementation_heading=heading,
        legend=previous.legend.replace(previous.implementation_heading, heading), deadline=deadline,
    )
    round_ = change_state(round_, "open", by=None, system=True, comment="デモ用の評価回として受付を開始しました。")
    report.count("評価回", True)
    report.created["評価"] = round_.entries.count()
    return round_, report

"""Small factories for tests that do not need the whole seed."""

from itertools import count

from django.contrib.auth import get_user_model

from projects.access import Role, set_memberships, set_role
from projects.models import Department, Goal, Policy, Project, ProjectDepartment, Strategy
from reviews.models import Entry, Round

_numbers = count(1)


def make_department(name: str, parent: Department | None = None) -> Department:
    return Department.objects.get_or_create(name=name, defaults={"parent": parent})[0]


def make_user(username: str, *departments: Department | str, reviewer: bool = False, admin: bool = False):
    """A user with a role and memberships, given the way the staff import gives them."""
    user = get_user_model().objects.create_user(username=username, password="pass-for-tests", last_name=username)
    set_role(user, Role.ADMIN if admin else Role.REVIEWER if reviewer else Role.STAFF)
    set_memberships(user, [d if isinstance(d, Department) else make_department(d) for d in departments])
    return user


def make_strategy() -> Strategy:
    return Strategy.objects.get_or_create(name="入間市まち・ひと・しごと創生総合戦略")[0]


def make_policy(goal_number: int = 1, title: str = "しごとの場を創る") -> Policy:
    goal, _ = Goal.objects.get_or_create(
        strategy=make_strategy(), number=goal_number,
        defaults={"title": f"目標{goal_number}", "project_label": "プロジェクト"},
    )
    policy = Policy.objects.filter(goal=goal, title=title).first()
    return policy or Policy.objects.create(goal=goal, title=title, order=goal.policies.count() + 1)


def make_project(*departments: Department, name: str | None = None, policy: Policy | None = None) -> Project:
    policy = policy or make_policy()
    project = Project.objects.create(
        policy=policy, name=name or f"事業{next(_numbers)}", description="事業の内容",
        category=Project.Category.NEW, order=policy.projects.count() + 1,
    )
    for position, department in enumerate(departments, start=1):
        ProjectDepartment.objects.create(project=project, department=department, position=position)
    return project


def make_round(fiscal_year: int = 2018, state: str = Round.State.OPEN, **fields) -> Round:
    defaults = {
        "strategy": make_strategy(), "title": f"{fiscal_year}年度 実施事業評価",
        "implementation_heading": f"{fiscal_year}年度の実施内容", "state": state,
    }
    return Round.objects.create(fiscal_year=fiscal_year, **{**defaults, **fields})


def make_entry(round_: Round, project: Project, **fields) -> Entry:
    return Entry.objects.create(round=round_, project=project, **fields)


FILLED = {
    "status": "A",
    "implementation": "講座を3回開催し、延べ45人が参加した。",
    "evaluation": "参加者の満足度は高かった。",
    "future_policy": "来年度も継続する。",
}

"""What the public side shows: published rounds only, read from the facts each round captured
at publication (never the live hierarchy), and never a memo, a conversation or a user's name.

Every query the public views make starts from these functions, so that "published only" is
decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from reviews.facts import Facts, facts_of_rows
from reviews.models import Answer, Entry, Opinion, Round


def published_rounds() -> QuerySet[Round]:
    return (
        Round.objects.filter(state=Round.State.PUBLISHED).select_related("strategy")
        .order_by("strategy__first_year", "strategy_id", "-fiscal_year")
    )


def published_entries() -> QuerySet[Entry]:
    return Entry.objects.filter(round__state=Round.State.PUBLISHED)


def get_published_round(strategy_code: str, fiscal_year: int) -> Round:
    """A round by its stable public key: the strategy's code and the fiscal year."""
    round_ = published_rounds().filter(strategy__code=strategy_code, fiscal_year=fiscal_year).first()
    if round_ is None:
        raise Http404("公表された評価回が見つかりません。")
    return round_


@dataclass
class PublicProject:
    project_id: int
    facts: Facts
    status: str


@dataclass
class PublicPolicy:
    title: str
    projects: list[PublicProject] = field(default_factory=list)


@dataclass
class PublicGoal:
    number: int
    band_text: str
    policies: list[PublicPolicy] = field(default_factory=list)


def round_hierarchy(round_: Round) -> list[PublicGoal]:
    """The round's goals, policies and projects with their letters, as the round published them."""
    goals: dict[int, PublicGoal] = {}
    policies: dict[tuple[int, int], PublicPolicy] = {}
    pairs = facts_of_rows(Entry.objects.filter(round=round_), "status")
    for facts, row in sorted(pairs, key=lambda pair: pair[0].sheet_order):
        goal = goals.setdefault(facts.goal_number, PublicGoal(facts.goal_number, facts.goal_band_text))
        key = (facts.goal_number, facts.policy_order)
        if key not in policies:
            policies[key] = PublicPolicy(facts.policy_title)
            goal.policies.append(policies[key])
        policies[key].projects.append(PublicProject(row["project_id"], facts, row["status"]))
    return [goals[number] for number in sorted(goals)]


@dataclass
class PublicOpinion:
    opinion: Opinion
    answers: list[Answer]  # approved answers of published rounds only


def public_opinions(round_: Round) -> list[PublicOpinion]:
    """The committee's opinions on a published round, each with the departments' answers once
    the round holding them is itself published."""
    opinions = (
        Opinion.objects.filter(round=round_).prefetch_related("answers__department", "answers__round")
        .order_by("pk")
    )
    result = []
    for opinion in opinions:
        answers = [a for a in opinion.answers.all()
                   if a.round.state == Round.State.PUBLISHED and a.state == Entry.State.APPROVED]
        result.append(PublicOpinion(opinion, sorted(answers, key=lambda a: a.department_name)))
    return result

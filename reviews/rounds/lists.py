"""The lists people work from: the current round, a round's entries grouped as on the sheet, the
reviewers' queue. Views render what these return; the filters and the order are decided here."""

from collections import OrderedDict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import QueryDict

from projects.access import sees_everything
from projects.history import PROJECT_HISTORY_PREFETCH, by_department_in, names_in
from projects.models import Goal
from reviews.access import (
    answers_visible_to,
    entries_of_departments,
    entries_visible_to,
    kpi_reports_visible_to,
    rounds_visible_to,
)
from reviews.entries.workflow import RULES
from reviews.facts import Facts
from reviews.models import Entry, Event, Round

SHEET_ORDER = ("project__policy__goal__number", "project__policy__order", "project__order")

# Rows a list page shows: a big city's round has thousands of entries.
PAGE_SIZE = 50


def in_sheet_order(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """The entries in the sheet's order, decided in the database so that a page can be cut from
    it: a published entry by the goal, policy and project order it captured, the others by the
    hierarchy's."""
    def key(name: str, live: str):
        return Coalesce(Cast(KT(f"published_facts__{name}"), IntegerField()), F(live), output_field=IntegerField())
    return entries.annotate(
        _goal_order=key("goal_number", "project__policy__goal__number"),
        _policy_order=key("policy_order", "project__policy__order"),
        _project_order=key("project_order", "project__order"),
    ).order_by("_goal_order", "_policy_order", "_project_order", "pk")


@dataclass
class ListPage:
    """One page of a list, with the query string of every other page (filters kept)."""

    page: Page
    query: str  # the filters, without the page number: "state=draft&goal=3&"

    @property
    def is_paginated(self) -> bool:
        return self.page.paginator.num_pages > 1


def paginate(items, params: QueryDict, per_page: int = PAGE_SIZE) -> ListPage:
    """The page ``params`` asks for (``page``; a number out of range gives the last page, rubbish the first)."""
    page = Paginator(items, per_page).get_page(params.get("page"))
    page.object_list = list(page.object_list)  # one query; rows may be marked before rendering
    kept = params.copy()
    kept.pop("page", None)
    return ListPage(page, kept.urlencode() + "&" if kept else "")


def current_round(user) -> Round | None:
    """The round people are working on now: the latest open or closed one they can see. When
    several strategies are evaluated at once, a department's is the latest that holds its entries."""
    active = list(rounds_visible_to(user).filter(state__in=Round.ACTIVE_STATES).order_by("-fiscal_year", "strategy_id"))
    if len(active) > 1 and not sees_everything(user):
        # Asked round by round (there are only a few active at once): asking for the rounds of
        # every entry the user can see read every entry of every round on each page's header.
        for round_ in active:
            if entries_visible_to(user).filter(round=round_).exists():
                return round_
    return active[0] if active else None


def filter_choices(round_: Round, *, with_departments: bool) -> dict:
    """The departments (reviewers only) and goals a round's lists can be filtered by."""
    # Only for those offered the filter, and only once a department is typed (the field calls
    # it): it reads every entry of the round.
    departments = (lambda: round_departments(round_)) if with_departments else ()
    goals = Goal.objects.filter(strategy=round_.strategy).order_by("number")
    # A published round names its goals as it published them (one row per goal, grouped in the database).
    published = {} if round_.state != Round.State.PUBLISHED else {
        int(number): Facts.goal_band_text_of(number, title, label)
        for number, title, label in round_.entries.exclude(published_facts={}).order_by().values_list(
            KT("published_facts__goal_number"), KT("published_facts__goal_title"),
            KT("published_facts__goal_project_label")).distinct()
    }
    if published:  # only the goals it published, as it named them
        goals = [goal for goal in goals if goal.number in published]
    return {"departments": departments,
            "goals": [(goal.pk, published.get(goal.number, goal.band_text)) for goal in goals]}


def round_departments(round_: Round) -> list[tuple[int, str]]:
    """(id, name) of each department that ran the round's projects in its year, named as that
    year names it, in name order: the lists' filter and the extensions choose among them."""
    year = round_.fiscal_year
    ids = {row["department"] for row in by_department_in(round_.entries.all(), year)}
    names = names_in(year)
    return sorted(((pk, names[pk]) for pk in ids), key=lambda pair: pair[1])


def entries_for_lists(user, round_: Round) -> QuerySet[Entry]:
    """The round's entries the user may see, with what every list row shows."""
    return (
        entries_visible_to(user)
        .filter(round=round_)
        .select_related("round", "project__policy__goal", "updated_by")
        .prefetch_related(*PROJECT_HISTORY_PREFETCH)
    )


def apply_filters(entries: QuerySet[Entry], data: dict) -> QuerySet[Entry]:
    """Narrow the entries by the filter form's cleaned data (state, department, goal)."""
    if data.get("state"):
        entries = entries.filter(state=data["state"])
    if data.get("department"):
        # The department's entries as the round's year knew them (reviews.access).
        entries = entries.filter(entries_of_departments({data["department"].pk}))
    if data.get("goal"):
        entries = entries.filter(project__policy__goal=data["goal"])
    return entries


def state_counts(entries: QuerySet[Entry]) -> dict[str, int]:
    return entries.aggregate(
        total=Count("pk", distinct=True),
        left=Count("pk", filter=Q(state__in=Entry.UNFINISHED_STATES), distinct=True),
        submitted=Count("pk", filter=Q(state=Entry.State.SUBMITTED), distinct=True),
        approved=Count("pk", filter=Q(state=Entry.State.APPROVED), distinct=True),
    )


@dataclass(frozen=True)
class GoalHeading:
    number: int
    band_text: str
    continued: bool = False  # the page starts inside this goal


@dataclass(frozen=True)
class PolicyHeading:
    title: str
    continued: bool = False


def group_by_goal_and_policy(entries, before: Entry | None = None) -> list:
    """[(goal, [(policy, [entry, …]), …]), …] in the sheet's order, from the facts each entry's
    round shows (captured for a published round, live otherwise). ``before`` is the entry just
    before a page: a goal or policy it shares with the page's first rows is headed （続き）."""
    groups: OrderedDict = OrderedDict()
    previous = before.facts if before is not None else None
    for entry in sorted(entries, key=lambda e: (e.facts.sheet_order, e.pk)):
        facts = entry.facts
        goal_continues = bool(previous and not groups and previous.goal_number == facts.goal_number)
        goal = GoalHeading(facts.goal_number, facts.goal_band_text, goal_continues)
        policy_continues = bool(previous and not groups.get(goal) and goal_continues
                                and previous.policy_order == facts.policy_order)
        policy = (facts.policy_order, PolicyHeading(facts.policy_title, policy_continues))
        groups.setdefault(goal, OrderedDict()).setdefault(policy, []).append(entry)
    return [(goal, [(policy, rows) for (_, policy), rows in policies.items()]) for goal, policies in groups.items()]


def entry_before(page: Page) -> Entry | None:
    """The entry just before a page of a sheet-ordered list (None on the first page)."""
    if page.number == 1:
        return None
    return page.paginator.object_list[page.start_index() - 2]


def queue_entries(user, round_: Round, data: dict) -> QuerySet[Entry]:
    """The reviewers' queue: submitted entries (or those in the state filtered on), the oldest
    submission first."""
    # The last submission, read per entry from the events' (entry, created_at) index: a join
    # grouped over every event of the round cost more than the page, and the page count too.
    last_submission = (Event.objects.filter(entry=OuterRef("pk"), action=Event.Action.SUBMIT)
                       .order_by("-created_at").values("created_at")[:1])
    entries = entries_for_lists(user, round_).annotate(submitted_at=Subquery(last_submission))
    if not data.get("state"):
        entries = entries.filter(state=Entry.State.SUBMITTED)
    return apply_filters(entries, data).order_by("submitted_at", "pk")


def offer_selection(entries) -> None:
    """Mark each entry of a queue page that may be ticked for bulk approval (each is still
    checked in full when approved; this only decides whether to offer it)."""
    for entry in entries:
        entry.may_select = entry.state in RULES["approve"].sources


def answer_counts(user, round_: Round) -> dict[str, int]:
    """The committee opinions' answers of this round the user sees: all, unfinished, submitted."""
    answers = answers_visible_to(user).filter(round=round_)
    return answers.aggregate(
        total=Count("pk"),
        unfinished=Count("pk", filter=Q(state__in=Entry.UNFINISHED_STATES)),
        submitted=Count("pk", filter=Q(state=Entry.State.SUBMITTED)),
    )


def kpi_report_counts(user, round_: Round) -> dict[str, int]:
    """The goals' and policies' KPI actuals of this round the user sees: all, unfinished, submitted."""
    return kpi_reports_visible_to(user).filter(round=round_).aggregate(
        total=Count("pk"),
        unfinished=Count("pk", filter=Q(state__in=Entry.UNFINISHED_STATES)),
        submitted=Count("pk", filter=Q(state=Entry.State.SUBMITTED)),
    )

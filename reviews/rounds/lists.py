"""The lists people work from: the current round, a round's entries grouped as on the sheet, the
reviewers' queue. Views render what these return; the filters and the order are decided here."""

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import QueryDict
from django.urls import reverse

from projects.access import sees_everything
from projects.history import YearBook, by_department_in, names_in
from projects.models import Goal
from reviews.access import (
    answers_visible_to,
    entries_of_departments,
    entries_visible_to,
    kpi_reports_visible_to,
    visible_rounds,
)
from reviews.entries.workflow import RULES
from reviews.facts import Facts
from reviews.models import Entry, Event, Round

SHEET_ORDER = ("project__policy__goal__number", "project__policy__order", "project__order")

# Rows a list page shows: a big city's round has thousands of entries.
PAGE_SIZE = 50


def in_sheet_order(entries: QuerySet[Entry], captured: bool = True) -> QuerySet[Entry]:
    """The entries in the sheet's order, decided in the database so that a page can be cut from
    it: a published entry by the goal, policy and project order it captured, the others by the
    hierarchy's. ``captured`` False: the round captured nothing (it is not published), and the
    captured orders, read from the end of every entry's row, are not looked for."""
    if not captured:
        return entries.order_by(*SHEET_ORDER, "pk")

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
    before: object = None  # a queryset's item just before the page (None on the first page)

    @property
    def is_paginated(self) -> bool:
        return self.page.paginator.num_pages > 1

    @property
    def page_numbers(self):
        """The page links around this page (1 2 … 9 10 11 … 20 21), ``Paginator.ELLIPSIS`` between."""
        return self.page.paginator.get_elided_page_range(self.page.number)


def paginate(items, params: QueryDict, per_page: int = PAGE_SIZE, count: int | None = None,
             by_id: bool = True) -> ListPage:
    """The page ``params`` asks for (``page``; a number past the end gives the last page, 0 and
    below and rubbish the first). ``count``: the number of items when the caller knows it (no query to count them).

    A queryset's page is cut from its ids in its order, and the page's rows (with the one just
    before it, ``before``) are read by id: sorting every matching row of a big city's round with
    all its columns to keep fifty cost more than the page. ``by_id`` False, for a set known to be
    small (a department's entries), reads the page's rows at once, in one query instead of two."""
    keys = items.values_list("pk", flat=True) if isinstance(items, QuerySet) else items
    paginator = Paginator(keys, per_page)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(_page_asked(params.get("page")))
    bottom = (page.number - 1) * per_page
    before = None
    if keys is items:
        page.object_list = list(page.object_list)  # rows may be marked before rendering
    elif not by_id:
        rows = list(items[max(bottom - 1, 0):bottom + per_page]) if paginator.count else []
        if bottom and rows:
            before = rows.pop(0)
        page.object_list = rows
    else:
        ids = list(keys[max(bottom - 1, 0):bottom + per_page]) if paginator.count else []
        rows = items.in_bulk(ids)
        if bottom and ids:
            before = rows.get(ids.pop(0))
        page.object_list = [rows[pk] for pk in ids if pk in rows]  # (one may have gone meanwhile)
    kept = params.copy()
    kept.pop("page", None)
    return ListPage(page, kept.urlencode() + "&" if kept else "", before)


def _page_asked(text: str | None) -> str | int | None:
    """The page number as Paginator.get_page takes it, except that 0 and below mean the first page
    (get_page gives them the last, like a number past the end) and a number too long for int()
    (4,300 digits) the last (get_page takes it for rubbish: the first)."""
    text = (text or "").strip()
    if not re.fullmatch(r"[-+]?\d+", text):
        return text or None
    digits = text.lstrip("+-").lstrip("0")
    if text.startswith("-") or not digits:
        return 1
    return 10**18 if len(digits) > 18 else int(digits)


def current_round(user) -> Round | None:
    """The round people are working on now: the latest open or closed one they can see. When
    several strategies are evaluated at once, a department's is the latest that holds its entries."""
    active = [r for r in visible_rounds(user) if r.state in Round.ACTIVE_STATES]  # newest first
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
    published = published_goals(round_) if round_.state == Round.State.PUBLISHED else {}
    if published:  # only the goals it published, as it named them
        goals = [goal for goal in goals if goal.number in published]
    return {"departments": departments,
            "goals": [(goal.pk, published.get(goal.number, goal.band_text)) for goal in goals]}


def published_goals(round_: Round) -> dict[int, str]:
    """A published round's goals as it published them: number → band text. Its facts never change
    once captured, and reading them from every entry of a big city's round cost as much as the
    rest of its list: kept in the cache, under the round's last update (publishing again, or
    loading its sheet, saves the round)."""
    key = f"reviews:published-goals:{round_.pk}:{round_.updated_at.isoformat()}"
    return cache.get_or_set(key, lambda: {  # one row per goal, grouped in the database
        int(number): Facts.goal_band_text_of(number, title, label)
        for number, title, label in round_.entries.exclude(published_facts={}).order_by().values_list(
            KT("published_facts__goal_number"), KT("published_facts__goal_title"),
            KT("published_facts__goal_project_label")).distinct()
    }, timeout=None)


def round_departments(round_: Round) -> list[tuple[int, str]]:
    """(id, name) of each department that ran the round's projects in its year, named as that
    year names it, in name order: the lists' filter and the extensions choose among them."""
    year = round_.fiscal_year
    ids = {row["department"] for row in by_department_in(round_.entries.all(), year)}
    names = names_in(year)
    return sorted(((pk, names[pk]) for pk in ids), key=lambda pair: pair[1])


# What no list row shows: the long texts, left in the database (a page's query sorts its rows with
# every column it selects).
LIST_DEFERRED = ("implementation", "evaluation", "future_policy", "memo")


def entries_for_lists(user, round_: Round) -> QuerySet[Entry]:
    """The round's entries the user may see, with what every list row shows but its facts (see
    as_rows: a page's rows get them together)."""
    return listed(entries_visible_to(user).filter(round=round_))


def listed(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """The entries with what a list row reads, its long texts left in the database."""
    return entries.select_related("round", "project__policy__goal", "updated_by").defer(*LIST_DEFERRED)


def as_rows(entries: list[Entry]) -> list[Entry]:
    """Give each entry of a page what its row shows beside its own fields: ``row_facts``, its
    Entry.facts (captured for a published round, else the hierarchy's in its round's year), and
    the links ``url`` (the entry) and ``story_url`` (its project's story). No query when every row
    has captured facts, else the YearBook's few for these rows' projects, whatever the number of
    rows: a history prefetched per row, and each row's facts and links worked out in the
    template, cost more than the rest of the page."""
    live = [entry for entry in entries if not entry.published_facts]
    book = YearBook([entry.project_id for entry in live]) if live else None
    entry_url, story_url = url_of_pk("reviews:entry"), url_of_pk("reviews:project-story")
    for entry in entries:
        entry.url, entry.story_url = entry_url(entry.pk), story_url(entry.project_id)
        if entry.published_facts:
            entry.row_facts = Facts.from_json(entry.published_facts)
            continue
        project, year = entry.project, entry.round.fiscal_year
        policy, goal = project.policy, project.policy.goal
        entry.row_facts = Facts(
            project_name=book.project_name(project.pk, project.name, year), description=project.description,
            category=project.category, departments=book.department_names(project.pk, year),
            goal_number=goal.number, goal_title=goal.title, goal_project_label=goal.project_label,
            policy_title=policy.title, policy_order=policy.order, project_order=project.order,
        )
    return entries


def url_of_pk(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for many pks, the address reversed once (for ``<int:pk>`` paths)."""
    marker = 918273645
    head, tail = reverse(name, args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


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


def counted(user, entries: QuerySet[Entry]) -> tuple[dict[str, int], QuerySet[Entry]]:
    """The state counts of a round's entries the user sees (entries_for_lists), and those entries
    again, for the page and its filters. A department's are read once, as (id, state), and named
    by id from then on: deciding which of a big city's round's entries a department may see took
    as long for each of the page's queries as for the counts: the page's queries name the ids read
    here, without the rule's subqueries."""
    if sees_everything(user):
        return state_counts(entries), entries
    rows = list(entries.order_by().values_list("pk", "state"))
    states = [state for _, state in rows]
    counts = {
        "total": len(rows),
        "left": sum(state in Entry.UNFINISHED_STATES for state in states),
        "submitted": states.count(Entry.State.SUBMITTED),
        "approved": states.count(Entry.State.APPROVED),
    }
    return counts, listed(Entry.objects.filter(pk__in=[pk for pk, _ in rows]))


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
    round shows (captured for a published round, live otherwise; as_rows gives them). ``before``
    is the entry just before a page: a goal or policy it shares with the page's first rows is
    headed （続き）, once, over all of the page's rows in it."""
    goals: OrderedDict = OrderedDict()  # (number, band text) → (GoalHeading, {policy key → (PolicyHeading, rows)})
    as_rows([*entries, *([before] if before is not None else [])])
    previous = before.row_facts if before is not None else None
    for entry in sorted(entries, key=lambda e: (e.row_facts.sheet_order, e.pk)):
        facts = entry.row_facts
        goal_key = (facts.goal_number, facts.goal_band_text)
        if goal_key not in goals:
            continues = bool(previous and not goals and previous.goal_number == facts.goal_number)
            goals[goal_key] = (GoalHeading(facts.goal_number, facts.goal_band_text, continues), OrderedDict())
        goal, policies = goals[goal_key]
        policy_key = (facts.policy_order, facts.policy_title)
        if policy_key not in policies:
            continues = bool(goal.continued and not policies and previous.policy_order == facts.policy_order)
            policies[policy_key] = (PolicyHeading(facts.policy_title, continues), [])
        policies[policy_key][1].append(entry)
    return [(goal, list(policies.values())) for goal, policies in goals.values()]


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

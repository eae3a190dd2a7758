"""A round's summary: the A/B/C/D counts and shares by goal, by policy and by department, the
change since the previous round of the same strategy, and plain sentences written from the counts.

What counts: a published round counts every entry (all approved); a round still in progress
counts its submitted and approved entries, and the summary says it is provisional (暫定).
Goals, policies and departments are the ones the round shows: captured at publication, else live.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from django.db.models import Count, F, Max, Min, Q, Sum

from projects.fiscal_year import format_fiscal_year
from projects.history import by_department_in, names_in
from projects.models import ProjectDepartment, ProjectDepartmentPeriod, ProjectFormerName
from reviews.facts import Facts, facts_of_rows
from reviews.kept import KEPT_SECONDS, Keeper
from reviews.models import Entry, Round
from reviews.public import cache as public
from reviews.results.story import LETTER_RANK
from reviews.rounds.life import previous_round

LETTERS = ("A", "B", "C", "D")
COUNTED_WHILE_IN_PROGRESS = (Entry.State.SUBMITTED, Entry.State.APPROVED)


def percent(part: int, whole: int) -> int:
    """A whole percentage, halves rounded up (61.1 → 61, 12.5 → 13), as people round by hand."""
    return (200 * part + whole) // (2 * whole) if whole else 0


@dataclass
class Counts:
    A: int = 0
    B: int = 0
    C: int = 0
    D: int = 0

    def add(self, letter: str) -> None:
        setattr(self, letter, getattr(self, letter) + 1)

    @property
    def total(self) -> int:
        return self.A + self.B + self.C + self.D

    def count(self, letter: str) -> int:
        return getattr(self, letter)

    def share(self, letter: str) -> int:
        return percent(self.count(letter), self.total)

    @property
    def cells(self) -> list[tuple[str, int, int]]:
        """(letter, count, share) for each letter, for tables and charts."""
        return [(letter, self.count(letter), self.share(letter)) for letter in LETTERS]

    @property
    def text(self) -> str:
        return "・".join(f"{letter}{self.count(letter)}" for letter in LETTERS)


@dataclass
class Row:
    key: tuple
    label: str  # as the round prints it
    short_label: str  # for a chart's axis
    counts: Counts = field(default_factory=Counts)


@dataclass
class Movement:
    """A project whose letter differs from the previous round's."""

    project_name: str
    goal_number: int
    before: str
    after: str


@dataclass
class Change:
    previous: Round
    rose: list[Movement] = field(default_factory=list)
    fell: list[Movement] = field(default_factory=list)
    unchanged: int = 0
    new: list[str] = field(default_factory=list)  # project names with no entry in the previous round
    retired: list[str] = field(default_factory=list)  # the previous round's projects not in this one
    goals: dict[int, Counts] = field(default_factory=dict)  # the previous round's counts by goal number
    total: Counts = field(default_factory=Counts)


@dataclass
class Summary:
    round: Round
    provisional: bool
    entry_count: int  # every entry of the round, counted or not
    total: Counts
    goals: list[Row]
    policies: list[Row]
    departments: list[Row]
    shared_projects: int  # projects with several departments, counted under each
    change: Change | None
    sentences: list[str] = field(default_factory=list)

    @property
    def department_count_total(self) -> int:
        return sum(row.counts.total for row in self.departments)


@dataclass
class _Counted:
    """One round's entries reduced to what a summary needs."""

    entry_count: int = 0
    # project id → (facts, letter) of the counted entries
    letters: dict[int, tuple[Facts, str]] = field(default_factory=dict)
    # every project id of the round → its name as the round shows it
    names: dict[int, str] = field(default_factory=dict)


# A published round's counts and summary never change: each is worked out once per server process
# and kept (reviews.kept). The key carries the round's last update, so a test database's reused ids
# never meet stale counts.
_published = Keeper(24)


def forget_kept() -> None:
    """Drop every kept count and summary (tests start without another test's)."""
    _published.clear()
    _open.clear()


def forget_open_rounds() -> None:
    """Drop the kept summaries of rounds at work, as a counted change does (the benchmark's "after a change")."""
    _open.clear()


@dataclass
class _Ledger:
    """What the change since the previous round needs of a round: each counted project's letter
    and goal (in the sheet's order), and every project's name as the round shows it."""

    letters: dict[int, str] = field(default_factory=dict)
    goals: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def by_goal(self) -> tuple[Counts, dict[int, Counts]]:
        """The counts in all and by goal number."""
        tally = Counter(zip(self.goals.values(), self.letters.values(), strict=True))  # both in the same order
        total, goals = Counts(), {}
        for (number, letter), n in tally.items():
            setattr(total, letter, total.count(letter) + n)
            counts = goals.setdefault(number, Counts())
            setattr(counts, letter, counts.count(letter) + n)
        return total, goals


def _ledger_of(counted: _Counted) -> _Ledger:
    ledger = _Ledger(names=counted.names)
    for project_id, (facts, letter) in sorted(counted.letters.items(), key=lambda item: item[1][0].sheet_order):
        ledger.letters[project_id] = letter
        ledger.goals[project_id] = facts.goal_number
    return ledger


def _ledger(round_: Round) -> _Ledger:
    """A round's ledger; a published round's is kept (it is the previous round of the next one)."""
    if round_.state != Round.State.PUBLISHED:
        return _live_ledger(round_)
    return _published.get(("ledger", round_.pk, round_.updated_at), lambda: _ledger_of(_count(round_)))


def _count(round_: Round) -> _Counted:
    published = round_.state == Round.State.PUBLISHED
    counted = _Counted()
    for facts, row in facts_of_rows(Entry.objects.filter(round=round_), "status", "state"):
        counted.entry_count += 1
        counted.names[row["project_id"]] = facts.project_name
        if row["status"] in LETTERS and (published or row["state"] in COUNTED_WHILE_IN_PROGRESS):
            counted.letters[row["project_id"]] = (facts, row["status"])
    return counted


def _truncate(text: str, length: int = 14) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def round_summary(round_: Round, *, published_only: bool = False) -> Summary:
    """The round's summary, in a fixed number of queries whatever the number of entries.
    ``published_only`` (the public side) compares with the previous round only if it is published."""
    previous = previous_round(round_)
    if previous is not None and not previous.is_published:
        return _summary(round_, previous, published_only)  # two rounds at work: counted each time
    if round_.state == Round.State.PUBLISHED:
        # Nothing it reads can change any more (and published_only makes no difference): kept.
        key = ("summary", round_.pk, round_.updated_at, previous and (previous.pk, previous.updated_at))
        kept = _published.get(key, lambda: _summary(round_, previous, published_only))
    else:
        kept = _kept_while_unchanged(round_, previous, published_only)
    return replace(kept, round=round_)  # the caller's round object; the counts are shared, read-only


# A round at work is counted again only when what it counts has changed. Its counts read the counted
# entries (submitted or approved, with a letter), how many entries there are, and the hierarchy of the
# round's year. An entry reaches or leaves the counted ones, or changes while counted, only by a save
# (the workflow, the admin, a sheet's update), which moves its updated_at (and the workflow its
# version): one grouped query over the round's entries sees that. The hierarchy's changes move the public pages' token (reviews.public.cache),
# which this key carries too. The departments' drafts, saved all day, change neither. Whatever a path
# without signals could miss is counted again after KEPT_SECONDS, as the public pages are.
# A few at once: a counted change leaves its round's former counts behind, unused, until they are pushed out.
_open = Keeper(8, seconds=KEPT_SECONDS)


def _kept_while_unchanged(round_: Round, previous: Round | None, published_only: bool) -> Summary:
    def stamp() -> tuple:
        generation = public.current_generation()  # before the token and the counts: a change after it moves both
        counted = Q(status__in=LETTERS, state__in=COUNTED_WHILE_IN_PROGRESS)
        # Both read indexes alone (the counted ones from entry_round_counted). The sums of ids and
        # versions tell one set of counted entries from another of the same size whose latest save has
        # the same time (app servers' clocks may differ by a little).
        entries = Entry.objects.filter(round=round_).order_by()
        seen = entries.filter(counted).aggregate(n=Count("pk"), changed=Max("updated_at"), ids=Sum("pk"),
                                                 versions=Sum("version"))
        return (round_.pk, published_only, round_.updated_at, round_.state, round_.fiscal_year,
                previous and (previous.pk, previous.updated_at), public.current_token(), generation,
                entries.count(), *seen.values())

    key = stamp()
    # Kept only if the key is the same once counted: unlike progress's, this key comes back to what it
    # was (a submission withdrawn or returned leaves the counted entries as they were), and counts that
    # took in a submission committed meanwhile must not be found under the key read before it.
    return _open.get(key, lambda: _summary(round_, previous, published_only), unchanged=lambda: stamp() == key)


def _summary(round_: Round, previous: Round | None, published_only: bool) -> Summary:
    if round_.state != Round.State.PUBLISHED:
        return _live_summary(round_, previous, published_only)
    return _summary_of_facts(round_, _count(round_), previous, published_only)


def _summary_of_facts(round_: Round, counted: _Counted, previous: Round | None, published_only: bool) -> Summary:
    """The summary from each entry's facts: how a published round, whose entries captured their
    facts, is counted (once per process: round_summary keeps it)."""
    total = Counts()
    goals: dict[int, Row] = {}
    policies: dict[tuple[int, int, str], Row] = {}
    departments: dict[str, Row] = {}
    shared = 0
    for facts, letter in sorted(counted.letters.values(), key=lambda pair: pair[0].sheet_order):
        total.add(letter)
        goal = goals.setdefault(facts.goal_number, Row(
            (facts.goal_number,), facts.goal_band_text, f"基本目標{facts.goal_number}"))
        goal.counts.add(letter)
        policy_key = (facts.goal_number, facts.policy_order, facts.policy_title)
        if policy_key not in policies:
            number = sum(1 for key in policies if key[0] == facts.goal_number) + 1
            policies[policy_key] = Row(policy_key, facts.policy_title,
                                       f"{facts.goal_number}-{number} {_truncate(facts.policy_title, 11)}")
        policies[policy_key].counts.add(letter)
        if len(facts.departments) > 1:
            shared += 1
        for name in facts.departments:
            departments.setdefault(name, Row((name,), name, _truncate(name))).counts.add(letter)

    summary = Summary(
        round=round_,
        provisional=round_.state != Round.State.PUBLISHED,
        entry_count=counted.entry_count,
        total=total,
        goals=[goals[number] for number in sorted(goals)],
        policies=list(policies.values()),
        departments=sorted(departments.values(), key=lambda row: row.label),
        shared_projects=shared,
        change=_change(previous, _ledger_of(counted), published_only),
    )
    summary.sentences = sentences(summary)
    return summary


def _live_summary(round_: Round, previous: Round | None, published_only: bool) -> Summary:
    """The summary of a round not yet published, counted in the database by goal, policy and
    department (as the hierarchy stood in the round's year): a big city's open round has 5,000
    entries, and building each one's facts in Python cost several times the page."""
    year = round_.fiscal_year
    ledger = _live_ledger(round_)
    counted = _counted_entries(round_).order_by()
    by_letter = {letter: Count("pk", filter=Q(status=letter)) for letter in LETTERS}

    # Policies in the sheet's order, each with its goal: the goals' rows are their sums.
    goal = "project__policy__goal__"
    goals: dict[int, Row] = {}
    policies: dict[tuple[int, int, str], Row] = {}
    numbers: dict[int, int] = {}
    for row in (counted.values(number=F(f"{goal}number"), goal_title=F(f"{goal}title"), label=F(f"{goal}project_label"),
                               order=F("project__policy__order"), title=F("project__policy__title"))
                .annotate(first=Min("project__order"), **by_letter).order_by("number", "order", "first", "title")):
        number = row["number"]
        _add(goals.setdefault(number, Row((number,), Facts.goal_band_text_of(number, row["goal_title"], row["label"]),
                                          f"基本目標{number}")).counts, row)
        key = (number, row["order"], row["title"])
        if key not in policies:
            numbers[number] = numbers.get(number, 0) + 1
            policies[key] = Row(key, row["title"], f"{number}-{numbers[number]} {_truncate(row['title'], 11)}")
        _add(policies[key].counts, row)

    names = names_in(year)
    departments: dict[str, Row] = {}
    for row in by_department_in(counted, year, **by_letter):
        name = names[row["department"]]
        _add(departments.setdefault(name, Row((name,), name, _truncate(name))).counts, row)

    total, _ = ledger.by_goal()
    summary = Summary(
        round=round_,
        provisional=True,
        entry_count=len(ledger.names),
        total=total,
        goals=list(goals.values()),
        policies=list(policies.values()),
        departments=sorted(departments.values(), key=lambda row: row.label),
        shared_projects=_shared(counted, year),
        change=_change(previous, ledger, published_only),
    )
    summary.sentences = sentences(summary)
    return summary


def _counted_entries(round_: Round):
    return Entry.objects.filter(round=round_, status__in=LETTERS, state__in=COUNTED_WHILE_IN_PROGRESS)


def _add(counts: Counts, row: dict) -> None:
    for letter in LETTERS:
        setattr(counts, letter, counts.count(letter) + row[letter])


def _shared(counted, year: int) -> int:
    """How many counted entries' projects had several departments in ``year`` (the periods that
    covered the year, else today's links: projects.history's rule). The shared projects are found
    once, by grouping the periods and the links, not by two subqueries asked for every entry."""
    covering = ProjectDepartmentPeriod.objects.filter(Q(first_year__isnull=True) | Q(first_year__lte=year),
                                                      last_year__gte=year)

    def several(rows):
        return rows.order_by().values("project_id").annotate(n=Count("pk")).filter(n__gt=1).values("project_id")

    by_period = several(covering)
    by_link = several(ProjectDepartment.objects.exclude(project_id__in=covering.values("project_id")))
    return counted.filter(Q(project_id__in=by_period) | Q(project_id__in=by_link)).count()


def _live_ledger(round_: Round) -> _Ledger:
    """The ledger of a round not yet published, from one plain row per entry (no facts built)."""
    year = round_.fiscal_year
    ledger = _Ledger()
    former: dict[int, list[tuple[int, str]]] = {}
    for project_id, last_year, name in (ProjectFormerName.objects.filter(last_year__gte=year)
                                        .values_list("project_id", "last_year", "name")):
        former.setdefault(project_id, []).append((last_year, name))
    counted = []
    # In the entries' own order, which the names of new projects keep.
    for project_id, name, letter, state, *order in Entry.objects.filter(round=round_).values_list(
            "project_id", "project__name", "status", "state",
            "project__policy__goal__number", "project__policy__order", "project__order"):
        ledger.names[project_id] = min(former[project_id])[1] if project_id in former else name
        if letter in LETTERS and state in COUNTED_WHILE_IN_PROGRESS:
            counted.append((order, project_id, letter))
    for (number, _, _), project_id, letter in sorted(counted, key=lambda row: row[0]):
        ledger.letters[project_id] = letter
        ledger.goals[project_id] = number
    return ledger


def _change(previous: Round | None, current: _Ledger, published_only: bool) -> Change | None:
    if previous is None or (published_only and not previous.is_published):
        return None
    before = _ledger(previous)
    change = Change(previous)
    change.total, goals = before.by_goal()
    change.goals = dict(sorted(goals.items()))
    for project_id, letter in current.letters.items():
        if project_id not in before.letters:
            continue
        old = before.letters[project_id]
        movement = Movement(current.names[project_id], current.goals[project_id], old, letter)
        if LETTER_RANK[letter] > LETTER_RANK[old]:
            change.rose.append(movement)
        elif LETTER_RANK[letter] < LETTER_RANK[old]:
            change.fell.append(movement)
        else:
            change.unchanged += 1
    change.new = [name for project_id, name in current.names.items() if project_id not in before.names]
    change.retired = [name for project_id, name in before.names.items() if project_id not in current.names]
    return change


def _difference(now: int, before: int) -> str:
    if now > before:
        return f"前回より{now - before}事業増えました"
    if now < before:
        return f"前回より{before - now}事業減りました"
    return "前回と同じでした"


def sentences(summary: Summary) -> list[str]:
    """A few plain sentences from the counts, for the page, the packet and the download."""
    result: list[str] = []
    total = summary.total
    if summary.provisional:
        result.append(
            f"この集計は暫定です。提出済み・承認済みの評価{total.total}件を数えています"
            f"（この評価回の評価は全{summary.entry_count}件です）。"
        )
    if not total.total:
        result.append("まだ数えられる評価がありません。")
        return result
    parts = "、".join(f"{letter}が{total.count(letter)}事業（{total.share(letter)}%）" for letter in LETTERS)
    result.append(f"全体では{total.total}事業のうち、{parts}でした。")
    change = summary.change
    for row in summary.goals:
        counts, number = row.counts, row.key[0]
        sentence = f"基本目標{number}では{counts.total}事業のうち{counts.A}事業（{counts.share('A')}%）がA"
        before = change.goals.get(number, Counts()) if change is not None else None
        if before is not None and not before.total and summary.provisional:
            sentence += "でした（前回はこの基本目標の評価はありません）。"
        elif before is not None and summary.provisional:
            # Part of the round is counted so far: its number of A's is not comparable, its share is.
            sentence += f"でした（前回は{before.total}事業のうち{before.A}事業（{before.share('A')}%））。"
        elif before is not None:
            sentence += f"で、{_difference(counts.A, before.A)}。"
        else:
            sentence += "でした。"
        result.append(sentence)
    if change is not None:
        label = format_fiscal_year(change.previous.fiscal_year)
        result.append(
            f"前回（{label}）と比べて、実施状況が上がった事業は{len(change.rose)}事業、"
            f"下がった事業は{len(change.fell)}事業、変わらない事業は{change.unchanged}事業でした。"
        )
        if change.new or change.retired:
            result.append(
                f"今回から評価の対象になった事業は{len(change.new)}事業、"
                f"前回は対象で今回は対象でない事業は{len(change.retired)}事業です。"
            )
    return result

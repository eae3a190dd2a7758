"""The planning division's year: creating, opening, closing and publishing rounds, deadlines.

Like reviews.entries.workflow, each function checks who (PermissionDenied), then state (RoundError with a
Japanese message), changes the round in one transaction and records who, when and why. Callers
that are the system itself (load_demo, tests building data) say so with ``system=True``.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from projects.access import is_reviewer, project_department_ids, with_sub_units
from projects.fiscal_year import format_date, format_fiscal_year, format_fiscal_year_with_western
from projects.history import current_successors, runs_today
from projects.models import Department, Project, ProjectDepartment, Strategy
from projects.text import normalize_text, unsafe_character_message
from reviews.access import entries_of_departments
from reviews.fields import TEXT_MAX_LENGTH
from reviews.kpis import records as kpi_records
from reviews.models import Answer, DeadlineExtension, Entry, Event, Opinion, Round, RoundEvent
from reviews.rounds import record
from reviews.rounds.year import is_active_in, latest_round

PREPARING, OPEN, CLOSED, PUBLISHED = (s.value for s in Round.State)


class RoundError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RoundRule:
    action: str
    verb: str
    sources: frozenset[str]
    target: str


ROUND_RULES: dict[str, RoundRule] = {
    rule.action: rule
    for rule in (
        RoundRule("open", "受付を開始する", frozenset({PREPARING}), OPEN),
        RoundRule("close", "締め切る", frozenset({OPEN}), CLOSED),
        RoundRule("reopen", "受付を再開する", frozenset({CLOSED}), OPEN),
        RoundRule("publish", "公表する", frozenset({OPEN, CLOSED}), PUBLISHED),
    )
}


def _check_manager(user, system: bool) -> None:
    if not system and not is_reviewer(user):
        raise PermissionDenied("評価回の管理は企画課の審査担当者だけが行えます。")


def _lock(round_: Round) -> Round:
    return Round.objects.select_for_update().select_related("strategy").get(pk=round_.pk)


def available_round_actions(round_: Round) -> list[RoundRule]:
    return [rule for rule in ROUND_RULES.values() if round_.state in rule.sources]


def state_change_consequences(round_: Round, action: str) -> list[str]:
    """What closing or publishing will do, in plain words, for the confirmation page."""
    entries = round_.entries
    unfinished = entries.filter(state__in=Entry.UNFINISHED_STATES).count()
    submitted = entries.filter(state=Entry.State.SUBMITTED).count()
    if action == "close":
        return [
            "担当課は、差し戻された評価だけを直して提出できるようになります（期限を延長した課を除きます）。",
            f"まだ提出されていない評価が {unfinished} 件あります。締め切ると、これらは提出できなくなります。"
            if unfinished else "すべての評価が提出されています。",
            f"審査待ちの評価 {submitted} 件の審査は、締め切った後も続けられます。",
            "受付は「受付を再開する」で再開できます。",
        ]
    if action == "publish":
        total = entries.count()
        waiting = total - entries.filter(state=Entry.State.APPROVED).count()
        lines = [
            f"評価 {total} 件を公表します。以後、この評価回は誰も変更できません（元に戻せません）。",
            "公表した時点の事業名・事業内容・担当課・基本目標・基本施策が記録され、入力表や一覧はそれを表示します。",
            f"承認されていない評価が {waiting} 件あります。すべて承認されるまで公表はできません。" if waiting
            else "すべての評価が承認されています。",
        ]
        answers = round_.answers.count()
        if answers:
            answers_waiting = round_.answers.exclude(state=Entry.State.APPROVED).count()
            lines.append(f"委員会意見への対応方針 {answers} 件も、この評価回とともに公表されます"
                         f"（承認されていないもの {answers_waiting} 件。すべて承認されるまで公表はできません）。")
        return lines
    return []


# What else a round's state allows: the management page offers exactly these, and the functions
# below refuse the rest.
def may_add_projects(round_: Round) -> bool:
    return round_.state == PREPARING


def may_set_deadline(round_: Round) -> bool:
    return round_.state != PUBLISHED


def may_extend_deadline(round_: Round) -> bool:
    return round_.state in Round.ACTIVE_STATES


def state_change_refusal(round_: Round, action: str, *, system: bool = False) -> str:
    """Why the round's state or deadline forbids ``action`` now (a Japanese message), or "". The
    confirmation page asks this before offering itself; change_state asks it again under the lock."""
    rule = ROUND_RULES[action]
    if round_.state not in rule.sources:
        return f"評価回が「{round_.get_state_display()}」のため、{rule.verb}ことはできません。"
    if action == "open" and round_.deadline is None:
        return "提出期限を設定してから受付を開始してください。"
    if action in ("open", "reopen") and not system and round_.deadline and round_.deadline < timezone.localdate():
        # Opened so, every department would find it past its deadline at once and be reminded of it.
        return (f"提出期限（{format_date(round_.deadline)}）がすでに過ぎているため、{rule.verb}ことはできません。"
                "提出期限を今日以降に直してから、もう一度操作してください。")
    return ""


@transaction.atomic
def change_state(round_: Round, action: str, *, by, comment: str = "", system: bool = False) -> Round:
    """Open, close, reopen or publish a round. Opening needs a deadline; publishing needs every
    entry approved (the sheet that is published must be the reviewed one)."""
    _check_manager(by, system)
    rule = ROUND_RULES[action]
    comment = normalize_text(comment)
    if problem := unsafe_character_message(comment, "コメント"):
        raise RoundError(problem)
    if len(comment) > TEXT_MAX_LENGTH:
        raise RoundError(f"コメントは{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 {len(comment):,} 文字）。")
    locked = _lock(round_)
    if refusal := state_change_refusal(locked, action, system=system):
        raise RoundError(refusal)
    if action == "publish":
        waiting = locked.entries.exclude(state=Entry.State.APPROVED).count()
        if waiting:
            raise RoundError(f"承認されていない評価が {waiting} 件あるため、公表できません。すべて承認してから公表してください。")
        if not locked.entries.exists():
            raise RoundError("評価が一件もないため、公表できません。")
        # The committee's opinions are answered in this round: their answers are published with it.
        answers_waiting = locked.answers.exclude(state=Entry.State.APPROVED).count()
        if answers_waiting:
            raise RoundError(f"承認されていない委員会意見への対応方針が {answers_waiting} 件あるため、公表できません。"
                             "すべて承認してから公表してください。")
        # A goal's or a policy's KPI actual is reviewed on its own; a project's goes with its entry.
        kpis_waiting = locked.kpi_actuals.filter(entry__isnull=True).exclude(state=Entry.State.APPROVED).count()
        # A project's KPI added after its entry was approved has no figure yet: reopen the entry first.
        kpis_blank = locked.kpi_actuals.filter(entry__isnull=False, status="").count()
        if kpis_blank:
            raise RoundError(f"実績が入力されていない事業の KPI が {kpis_blank} 件あるため、公表できません。"
                             "その事業の評価の承認を取り消して差し戻し、実績を入力してもらってください。")
        if kpis_waiting:
            raise RoundError(f"承認されていない基本目標・基本施策の KPI の実績が {kpis_waiting} 件あるため、公表できません。"
                             "すべて承認してから公表してください。")
    from_state = locked.state
    locked.state = rule.target
    locked.save(update_fields=["state", "updated_at"])
    if action == "publish":
        # From now on the round's pages, sheets and exports read these, never the live hierarchy.
        record.capture_from_hierarchy(locked)
    if action == "open":
        # The previous round's committee opinions are final from now on: each addressed
        # department gets its answer to write in this round; every KPI its actual to enter.
        create_answers(locked)
        kpi_records.create_actuals(locked)
    RoundEvent.objects.create(round=locked, action=action, from_state=from_state, to_state=rule.target, actor=by,
                              comment=comment)
    return locked


@transaction.atomic
def set_deadline(round_: Round, deadline: date, *, by, system: bool = False) -> Round:
    """Set the round's deadline (for every department without an extension)."""
    _check_manager(by, system)
    locked = _lock(round_)
    if not may_set_deadline(locked):
        raise RoundError("公表済みの評価回の期限は変更できません。")
    locked.deadline = deadline
    locked.save(update_fields=["deadline", "updated_at"])
    RoundEvent.objects.create(round=locked, action=RoundEvent.Action.DEADLINE, actor=by,
                              comment=f"提出期限を {format_date(deadline)} にしました。")
    return locked


@transaction.atomic
def extend_deadline(round_: Round, department: Department, deadline: date, *, by, system: bool = False) -> RoundEvent:
    """Give one department a later deadline; it may then submit in an open round until then.
    Returns the round's record of it, whose comment says what was done."""
    _check_manager(by, system)
    locked = _lock(round_)
    if not may_extend_deadline(locked):
        raise RoundError("期限の延長は、受付中か締切済の評価回でだけできます。")
    reach = [d.pk for d in with_sub_units(department)]
    if not locked.entries.filter(runs_today(reach) | entries_of_departments(reach)).exists():
        raise RoundError(f"{department.name} には、この評価回の評価がありません（課の事業にも、その係・センターの事業にもありません）。延長する担当課を選び直してください。")
    if locked.deadline and deadline <= locked.deadline:
        raise RoundError(f"延長後の期限は、評価回の提出期限（{format_date(locked.deadline)}）より後の日にしてください。")
    earlier = DeadlineExtension.objects.filter(round=locked, department=department).first()
    DeadlineExtension.objects.update_or_create(
        round=locked, department=department, defaults={"deadline": deadline, "granted_by": by}
    )
    return RoundEvent.objects.create(round=locked, action=RoundEvent.Action.EXTEND, actor=by,
                                     comment=extension_message(department, deadline, earlier.deadline if earlier else None))


def extension_message(department: Department, deadline: date, earlier: date | None) -> str:
    """What an extension did, in the round's record and on the page: an earlier extension moved
    back is said so, not called an extension."""
    if earlier is not None and deadline < earlier:
        return f"{department.name} の延長後の提出期限を {format_date(earlier)} から {format_date(deadline)} に早めました。"
    return f"{department.name} の提出期限を {format_date(deadline)} まで延長しました。"


def deadline_for(round_: Round, department_ids: set[int]) -> date | None:
    """The latest deadline that applies to any of the departments (their own extension, else the round's)."""
    extensions = [e.deadline for e in round_.extensions.all() if e.department_id in department_ids]
    candidates = [d for d in [round_.deadline, *extensions] if d is not None]
    return max(candidates) if candidates else None


def entry_deadline(entry: Entry) -> date | None:
    # An extension for any of the entry's departments or their parents applies.
    return deadline_for(entry.round, project_department_ids(entry.project, entry.round.fiscal_year))


def has_open_extension(entry: Entry, today: date | None = None) -> bool:
    """Whether one of the entry's departments has an extension that has not run out yet."""
    return has_open_extension_for(entry.round, project_department_ids(entry.project, entry.round.fiscal_year), today)


def previous_round(round_: Round) -> Round | None:
    """The round before this one in the same strategy."""
    return (
        Round.objects.filter(strategy_id=round_.strategy_id, fiscal_year__lt=round_.fiscal_year)
        .select_related("strategy").order_by("-fiscal_year").first()
    )


def next_round(round_: Round) -> Round | None:
    """The round after this one in the same strategy."""
    return (
        Round.objects.filter(strategy_id=round_.strategy_id, fiscal_year__gt=round_.fiscal_year)
        .select_related("strategy").order_by("fiscal_year").first()
    )


def create_answers(round_: Round) -> int:
    """An answer (draft) for each department each of the previous round's opinions is addressed
    to, unless it exists; returns how many were created."""
    previous = previous_round(round_)
    if previous is None:
        return 0
    pairs = Opinion.departments.through.objects.filter(opinion__round=previous).values_list(
        "opinion_id", "department_id", "opinion__project_id")
    # An opinion addressed to a department that has since been merged or split is answered by the
    # departments that took over from it: for an opinion on a project, the one that runs it now.
    runs: dict[int, set[int]] = {}
    for project_id, department_id in ProjectDepartment.objects.filter(
            project__opinions__round=previous).values_list("project_id", "department_id"):
        runs.setdefault(project_id, set()).add(department_id)
    answered = []
    for opinion_id, department_id, project_id in pairs:
        successors = current_successors(department_id)
        running = [d for d in successors if d.pk in runs.get(project_id, set())]
        answered += [(opinion_id, d.pk, d.name) for d in (running or successors)]
    pairs = answered
    existing = set(Answer.objects.filter(opinion__round=previous).values_list("opinion_id", "department_id"))
    missing = list(dict.fromkeys((o, d, name) for o, d, name in pairs if (o, d) not in existing))
    for opinion_id, department_id, name in missing:  # one by one, so that each has its first history record
        Answer.objects.create(opinion_id=opinion_id, department_id=department_id, department_name=name,
                              round=round_)
    return len(missing)


def has_open_extension_for(round_: Round, department_ids: set[int], today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return any(e.department_id in department_ids and e.deadline >= today for e in round_.extensions.all())


def round_defaults(previous: Round | None, fiscal_year: int) -> dict:
    """Title, heading and legend for a new round, prefilled from the last one (for a strategy's
    first round, the latest round of any strategy)."""
    heading = f"{format_fiscal_year(fiscal_year)}の実施内容"
    legend = previous.legend.replace(previous.implementation_heading, heading) if previous else ""
    return {"title": f"{format_fiscal_year(fiscal_year)} 実施事業評価", "implementation_heading": heading,
            "legend": legend}


@dataclass(frozen=True)
class NextRound:
    """Where a strategy's next round starts from: its latest round (None for its first round,
    made from its hierarchy), the year it would evaluate, and the round its title, heading and
    legend are prefilled from (for a first round, the latest round of any strategy)."""

    strategy: Strategy
    previous: Round | None
    fiscal_year: int
    model: Round | None

    @property
    def defaults(self) -> dict:
        return round_defaults(self.model, self.fiscal_year)


def next_round_of(strategy: Strategy) -> NextRound:
    """The next round of ``strategy``: the year after its latest round; a first round follows
    the latest round of any strategy, but not before the strategy's first year."""
    previous = latest_round(strategy)
    if previous is not None:
        return NextRound(strategy, previous, previous.fiscal_year + 1, previous)
    model = Round.objects.select_related("strategy").order_by("-fiscal_year", "-pk").first()
    today = timezone.localdate()
    years = [y for y in (model.fiscal_year + 1 if model else None, strategy.first_year) if y is not None]
    year = max(years) if years else (today.year if today.month >= 4 else today.year - 1)
    return NextRound(strategy, None, year, model)


def strategies_to_continue() -> list[NextRound]:
    """The strategies whose next round the planning division may create: those active in the
    year it would evaluate (reviews.rounds.year); when none is, every strategy, so that nobody is
    stuck (the year can be changed on the form)."""
    following = [next_round_of(strategy) for strategy in Strategy.objects.all()]
    active = [n for n in following if is_active_in(n.strategy, n.fiscal_year)]
    return active or following


@transaction.atomic
def create_round(previous: Round | None, *, by, fiscal_year: int, title: str, implementation_heading: str,
                 legend: str, deadline: date | None, retire: list[Project] | tuple = (),
                 strategy: Strategy | None = None, system: bool = False) -> Round:
    """Create next year's round of a strategy from its last round (``previous``, which must be the
    strategy's latest), or the strategy's first round from its hierarchy (``previous`` None and
    ``strategy`` given): a draft entry for every active project of the strategy (last year's text
    is shown beside it, not copied into it). Another strategy's rounds play no part: two
    strategies may each have a round of the same year. Projects in ``retire`` are marked as ended
    and get no entry. The round starts in preparation. Reviewers only (PermissionDenied); RoundError
    when the strategy has that year's round, or ``previous`` is not its latest round."""
    _check_manager(by, system)
    if previous is not None:
        if strategy is not None and strategy.pk != previous.strategy_id:
            raise RoundError(f"{previous.display_name} は {strategy.name} の評価回ではありません。")
        strategy = previous.strategy
    if strategy is None:
        raise RoundError("どの総合戦略の評価回を作成するかを選んでください。")
    latest = latest_round(strategy)
    if Round.objects.filter(strategy=strategy, fiscal_year=fiscal_year).exists():
        raise RoundError(f"{strategy.name}の{format_fiscal_year_with_western(fiscal_year)}の評価回はすでにあります。")
    if latest is not None and (previous is None or previous.pk != latest.pk):
        # The next round follows the strategy's last one, never an older one or another strategy's.
        raise RoundError(f"{strategy.name}の評価回は、最新の {latest.display_name} をもとに作成してください。")
    if previous is not None and fiscal_year <= previous.fiscal_year:
        raise RoundError(f"新しい評価回の年度は {format_fiscal_year_with_western(previous.fiscal_year)} より後にしてください。")
    round_ = Round.objects.create(strategy=strategy, fiscal_year=fiscal_year, title=title,
                                  implementation_heading=implementation_heading, legend=legend, deadline=deadline,
                                  state=PREPARING)
    origin = f"{previous.display_name} をもとに" if previous is not None else f"{strategy.name}の体系（基本目標・基本施策・事業）から"
    RoundEvent.objects.create(round=round_, action=RoundEvent.Action.CREATE, to_state=PREPARING, actor=by,
                              comment=f"{origin}作成しました。")
    retired_ids = [p.pk for p in retire]
    Project.objects.filter(pk__in=retired_ids).update(active=False)
    add_missing_entries(round_, by=by)
    return round_


@transaction.atomic
def add_projects(round_: Round, *, by) -> int:
    """While a round is in preparation, give projects added since (in the admin) their entries."""
    _check_manager(by, system=False)
    locked = _lock(round_)
    if not may_add_projects(locked):
        raise RoundError("事業を追加できるのは、準備中の評価回だけです。")
    return add_missing_entries(locked, by=by)


def add_missing_entries(round_: Round, *, by) -> int:
    """Give every active project of the round's strategy (never another's) a draft entry in a round in preparation."""
    existing = round_.entries.values("project_id")
    # A project ended from a later year (retired, merged, carried on) is still evaluated in this one.
    projects = (Project.objects.filter(Project.evaluated_in(round_.fiscal_year), policy__goal__strategy=round_.strategy)
                .exclude(pk__in=existing))
    created = 0
    for project in projects:
        entry = Entry.objects.create(round=round_, project=project)
        Event.objects.create(entry=entry, action=Event.Action.CREATE, from_state="", to_state=Entry.State.DRAFT,
                             actor=by, comment=f"{round_.fiscal_year_label}の評価回を作成しました。")
        created += 1
    return created

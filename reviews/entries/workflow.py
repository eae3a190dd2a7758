"""The life of an evaluation entry: every change of state or text goes through here.

The table below is the whole state machine. The buttons a user is shown
(`available_actions`) and the checks each function makes (`check`) both read it, so what is
offered and what is enforced cannot drift apart.

Every function has the same shape: in one transaction, re-read and lock the entry, check the
role (PermissionDenied) and then the entry's and round's state (WorkflowError, with a Japanese
message), check the version the user started from (StaleEntryError), change it, record who and
when, append an Event for a transition, and return the entry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from projects.access import Role, is_member_for, is_reviewer
from projects.fiscal_year import format_date
from projects.history import departments_in
from projects.models import ProjectSuccession
from reviews.entries import notifications
from reviews.fields import DEPARTMENT_FIELDS, DEPARTMENT_TEXTS, FIELDS
from reviews.kpis import records as kpi_records
from reviews.models import Entry, Event, Round
from reviews.results import opinions
from reviews.rounds.life import entry_deadline, has_open_extension

DRAFT = Entry.State.DRAFT
SUBMITTED = Entry.State.SUBMITTED
RETURNED = Entry.State.RETURNED
APPROVED = Entry.State.APPROVED



# Phrases that say a project was not carried out, expected in the text of a status D entry.
NOT_CARRIED_OUT_PHRASES = (
    "未実施", "実施していない", "実施しなかった", "実施せず", "実施できなかった", "実施できていない",
    "行っていない", "行わなかった", "行えなかった", "見送", "中止", "実績なし", "実績はない",
)


@dataclass(frozen=True)
class Rule:
    action: str
    verb: str  # used in buttons and messages: 「提出する」
    sources: frozenset[str]
    target: str | None  # None: the entry's state does not change
    actor: str
    needs_comment: bool = False


RULES: dict[str, Rule] = {
    rule.action: rule
    for rule in (
        # action      verb                  from                           to          who
        Rule("save", "下書き保存する", frozenset({DRAFT, RETURNED}), None, Role.STAFF),
        Rule("submit", "提出する", frozenset({DRAFT, RETURNED}), SUBMITTED, Role.STAFF),
        Rule("withdraw", "提出を取り下げる", frozenset({SUBMITTED}), DRAFT, Role.STAFF),
        Rule("return", "差し戻す", frozenset({SUBMITTED}), RETURNED, Role.REVIEWER, needs_comment=True),
        Rule("approve", "承認する", frozenset({SUBMITTED}), APPROVED, Role.REVIEWER),
        Rule("reopen", "承認を取り消して差し戻す", frozenset({APPROVED}), RETURNED, Role.REVIEWER, needs_comment=True),
        Rule("correct", "企画課として修正する", frozenset({SUBMITTED}), None, Role.REVIEWER),
        Rule("memo", "メモを保存する", frozenset({DRAFT, SUBMITTED, RETURNED, APPROVED}), None, Role.REVIEWER),
    )
}
TRANSITION_ACTIONS = ("submit", "withdraw", "return", "approve", "reopen")


class WorkflowError(Exception):
    """The entry's or the round's state does not allow the action; nothing was changed (except,
    for a submit with texts, the draft they were saved as: ``draft_saved``)."""

    draft_saved = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleEntryError(WorkflowError):
    """Someone saved the entry after the user opened it; `current` is what they saved."""

    def __init__(self, current: Entry):
        super().__init__(
            f"この評価は、開いた後に{self.saved_by(current)}さんが保存しました。あなたの変更はまだ保存されていません。"
            "相手の内容を確認し、必要ならあなたの内容を反映してからもう一度保存してください。"
        )
        self.current = current

    @staticmethod
    def saved_by(current: Entry) -> str:
        who = current.updated_by
        return f"{who.last_name} {who.first_name}".strip() or who.username if who else "他の人"


class OvertakenSubmitError(StaleEntryError):
    """A submit whose texts were saved as the draft, but someone saved again before it could
    submit: the words are kept (in the history, under the other's save); nothing was submitted."""

    draft_saved = True

    def __init__(self, current: Entry):
        WorkflowError.__init__(
            self,
            f"あなたの内容は下書きとして保存しましたが、提出する前に{self.saved_by(current)}さんがこの評価を保存したため、"
            "まだ提出されていません。相手の内容を確認し、必要ならあなたの内容を反映してからもう一度提出してください。",
        )
        self.current = current


class StaleMemoError(StaleEntryError):
    """Another reviewer saved the memo after the user opened it."""

    def __init__(self, current: Entry):
        WorkflowError.__init__(self, "このメモは、開いた後に別の審査担当者が保存しました。あなたのメモはまだ保存されていません。"
                                     "下の欄に残してあります。保存されたメモを確認してから、もう一度保存してください。")
        self.current = current


class SubmissionError(WorkflowError):
    """Required fields are empty: the entry cannot be submitted."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("入力されていない項目があるため提出できません。")
        self.errors = errors


class UnansweredOpinions(WorkflowError):
    """The committee's opinions on the project still wait for answers: the entry waits too."""

    def __init__(self, answers: list, verb: str = "提出"):
        names = "、".join(dict.fromkeys(answer.department.name for answer in answers))
        super().__init__(f"この事業への委員会意見に、まだ提出されていない対応方針があるため{verb}できません"
                         f"（対応方針を書く課: {names}）。先に対応方針を提出してください。")
        self.answers = answers


class IncompleteKpis(WorkflowError):
    """The project's KPIs go with the entry: each needs its figure, or why there is none."""

    def __init__(self, actuals: list):
        names = "、".join(f"「{a.kpi.name}」" for a in actuals)
        super().__init__(f"KPI {names} の実績がまだ入力されていないため提出できません。"
                         "実績値を入力するか、未把握・評価不能・事業終了を選んでください。")
        self.actuals = actuals


class NeedsConfirmation(WorkflowError):
    """Warnings the user has to confirm before the entry is submitted."""

    def __init__(self, warnings: list[str]):
        super().__init__("内容を確認してください。このまま提出する場合は、確認のうえもう一度「提出する」を押してください。")
        self.warnings = warnings


def round_allows(rule: Rule, entry: Entry) -> bool:
    """The round's state decides what may still happen (docs/domain.md, the round table)."""
    return round_allows_state(rule, entry.round.state, entry.state, lambda: has_open_extension(entry))


def round_allows_state(rule: Rule, round_state: str, state: str, extended: Callable[[], bool]) -> bool:
    """The round rule for anything that follows the entry's rules (an entry, a committee
    opinion's answer): ``extended`` says whether its department's deadline was extended."""
    if round_state == Round.State.OPEN:
        return True
    if round_state == Round.State.CLOSED:
        if rule.actor == Role.REVIEWER:
            return True  # review goes on after the deadline
        if rule.action not in ("save", "submit"):
            return False
        # Departments rework and resubmit what was returned to them, and a department whose
        # deadline was extended finishes its drafts until then.
        return state == RETURNED or extended()
    return False


def check(action: str, entry: Entry, user) -> Rule:
    """Raise PermissionDenied if the user's role may not take ``action`` on ``entry``, or
    WorkflowError if the entry's or the round's state does not allow it; return the rule."""
    rule = RULES[action]
    if rule.actor == Role.STAFF and not is_member_for(user, entry.project, entry.round.fiscal_year):
        raise PermissionDenied("この操作は、この事業の担当課の職員だけが行えます。")
    if rule.actor == Role.REVIEWER and not is_reviewer(user):
        raise PermissionDenied("この操作は、企画課の審査担当者だけが行えます。")
    if action == "approve" and (wrote_text_under_review(entry, user, DEPARTMENT_FIELDS)
                                or kpi_records.wrote_kpi_of(entry, user)):
        raise PermissionDenied("自分が記載した内容は承認できません。別の審査担当者に承認を依頼してください。")
    check_state(rule, entry.round, entry.state, entry.get_state_display(), noun="評価",
                deadline=lambda: entry_deadline(entry), extended=lambda: has_open_extension(entry))
    return rule


def check_state(rule: Rule, round_: Round, state: str, state_label: str, *, noun: str,
                deadline: Callable[[], date | None], extended: Callable[[], bool]) -> None:
    """The state half of the rules, shared by entries and answers: the item's state, the round's,
    and the deadline (WorkflowError with a Japanese message naming the ``noun``)."""
    if round_.state == Round.State.PUBLISHED:
        raise WorkflowError("公表済みの評価回は変更できません。")
    if state not in rule.sources:
        raise WorkflowError(f"この{noun}は「{state_label}」のため、{rule.verb}ことはできません。")
    if not round_allows_state(rule, round_.state, state, extended):
        raise WorkflowError(f"評価回が「{round_.get_state_display()}」のため、{rule.verb}ことはできません。")
    if rule.action in ("submit", "withdraw") and round_.state == Round.State.OPEN and state != RETURNED:
        due = deadline()
        if due is not None and timezone.localdate() > due:
            if rule.action == "withdraw":
                # A draft cannot be submitted again after the deadline: withdrawing would trap it.
                raise WorkflowError(
                    f"提出期限（{format_date(due)}）を過ぎたため、取り下げられません。"
                    "直す必要があるときは、企画課に差戻しを依頼してください。"
                )
            raise WorkflowError(
                f"提出期限（{format_date(due)}）を過ぎているため提出できません。企画課に期限の延長を依頼してください。"
            )


def wrote_text_under_review(item, user, text_fields: tuple[str, ...]) -> bool:
    """Whether the user wrote any of the ``text_fields`` of an entry (or an answer) since it was
    last returned, reopened or approved (or ever, if never): the text under review is then partly
    theirs. Reads the item's ``events`` and ``history``."""
    if item.text_author_id is not None and item.text_author_id == user.pk:
        return True
    read = getattr(item, "page_reads", None)  # (events newest first, history newest first), read for a page
    if read is not None:
        since = next((e.created_at for e in read[0]
                      if e.action in (Event.Action.RETURN, Event.Action.REOPEN, Event.Action.APPROVE)), None)
        records = reversed(read[1])
    else:
        since = (
            item.events.filter(action__in=[Event.Action.RETURN, Event.Action.REOPEN, Event.Action.APPROVE])
            .order_by("-created_at").values_list("created_at", flat=True).first()
        )
        records = item.history.order_by("history_date", "history_id")
    previous = None
    for record in records:
        if record.history_user_id == user.pk and (since is None or record.history_date > since):
            if any(getattr(record, name) != (getattr(previous, name) if previous else "")
                   for name in text_fields):
                return True
        previous = record
    return False


def allows(action: str, entry: Entry, user) -> bool:
    try:
        check(action, entry, user)
    except (PermissionDenied, WorkflowError):
        return False
    return True


def available_actions(entry: Entry, user) -> list[Rule]:
    """The rules the user may apply to the entry now, in the table's order (for the buttons)."""
    return [rule for action, rule in RULES.items() if allows(action, entry, user)]


def previous_entry(entry: Entry) -> Entry | None:
    """The same project's entry in the latest earlier round departments can see: last year's text;
    for a project's first round in a new strategy period, that of the project it carries on."""
    earlier = (Entry.objects.filter(round__fiscal_year__lt=entry.round.fiscal_year)
               .exclude(round__state=Round.State.PREPARING).select_related("round").order_by("-round__fiscal_year"))
    own = earlier.filter(project_id=entry.project_id).first()
    if own is not None:
        return own
    carried = ProjectSuccession.objects.filter(successor_id=entry.project_id, kind=ProjectSuccession.Kind.CARRIED)
    return earlier.filter(project_id__in=carried.values("predecessor_id")).first()


def submission_errors(entry: Entry) -> dict[str, str]:
    errors = {}
    for name in DEPARTMENT_FIELDS:  # all required to submit
        if not str(getattr(entry, name) or "").strip():
            label = "実施状況（A〜D）" if name == "status" else FIELDS[name].label
            errors[name] = f"「{label}」を入力してください。"
    return errors


def submission_warnings(entry: Entry) -> list[str]:
    """What a person should look at twice before submitting; they may confirm and go on."""
    warnings = []
    if entry.status == Entry.Status.D and not any(p in entry.implementation for p in NOT_CARRIED_OUT_PHRASES):
        warnings.append(
            "実施状況が「D: 未実施」ですが、実施内容に未実施であることが書かれていません"
            "（例:「未実施」「実施していない」）。内容と実施状況が合っているか確認してください。"
        )
    last = previous_entry(entry)
    if last is not None:
        for name in DEPARTMENT_TEXTS:
            text = getattr(entry, name).strip()
            if text and text == getattr(last, name).strip():
                label = FIELDS[name].label
                warnings.append(f"「{label}」が前回（{last.round.fiscal_year_label}）と同じです。今年度の内容に更新してください。")
    return warnings


def _lock(entry: Entry, version: int | None) -> Entry:
    # The round is locked first (always in this order), so that publishing or closing a round and
    # a change to one of its entries cannot interleave.
    round_ = Round.objects.select_for_update().get(pk=entry.round_id)
    locked = (
        Entry.objects.select_for_update(of=("self",))
        .select_related("project", "updated_by")
        .get(pk=entry.pk)
    )
    locked.round = round_
    if _has_history_read(entry) and entry.project_id == locked.project_id:
        # The project as this request read it (reviews.access.get_entry_for) with its departments and
        # history: the checks and the search row then ask nothing again. The project is not locked
        # (never was), so this is the same read, a few milliseconds earlier.
        locked.project = entry.project
    if version is not None and locked.version != version:
        raise StaleEntryError(locked)
    return locked


def _has_history_read(entry: Entry) -> bool:
    """Whether the entry's project was read with its departments and history (get_entry_for)."""
    if not Entry.project.is_cached(entry):
        return False
    cache = getattr(entry.project, "_prefetched_objects_cache", {})
    return all(name in cache for name in ("project_departments", "department_periods", "former_names"))


def _save(entry: Entry, by, fields: list[str]) -> None:
    # The memo and the department's texts (with the state) have versions of their own, so that a
    # reviewer's memo never puts the department's editor into a conflict, nor the other way round.
    counters = []
    if "memo" in fields:
        entry.memo_version += 1
        counters.append("memo_version")
    if set(fields) - {"memo"}:
        entry.version += 1
        counters.append("version")
    entry.updated_by = by
    entry._history_user = by  # simple-history records who, also outside a request
    entry.save(update_fields=[*fields, *counters, "updated_by", "updated_at"])


def _transition(action: str, entry: Entry, *, by, version: int | None, comment: str = "",
                snapshot: dict | None = None, checked: Rule | None = None) -> Entry:
    """``checked``: the rule of ``action``, when ``entry`` was already locked and checked for it in
    this transaction (a submit): neither is done twice."""
    if checked is not None:
        locked, rule = entry, checked
    else:
        locked = _lock(entry, version)
        rule = check(action, locked, by)
    if action == "approve" and (unanswered := opinions.unanswered_answers(locked)):
        # An answer withdrawn or returned after the entry was submitted holds the approval too.
        raise UnansweredOpinions(unanswered, verb="承認")
    comment = comment.strip()
    if rule.needs_comment and not comment:
        raise WorkflowError("理由（コメント）を入力してください。担当課に伝わる内容を書いてください。")
    from_state = locked.state
    locked.state = rule.target
    _save(locked, by, ["state"])
    Event.objects.create(
        entry=locked, action=action, from_state=from_state, to_state=rule.target, actor=by, comment=comment,
        snapshot=snapshot or {},
    )
    notifications.entry_transition(locked, action, by=by, comment=comment)  # sent after the commit
    return locked


def text_snapshot(entry: Entry) -> dict[str, str]:
    return {name: getattr(entry, name) for name in DEPARTMENT_FIELDS}


@transaction.atomic
def save_draft(entry: Entry, *, by, version: int, **texts: str) -> Entry:
    """A department member saves the entry's letter and texts without submitting.
    Allowed for draft and returned entries while the round lets the department edit."""
    return _update_texts("save", entry, by=by, version=version, texts=texts)


@transaction.atomic
def correct(entry: Entry, *, by, version: int, **texts: str) -> Entry:
    """A reviewer corrects a submitted entry's text; the text is then the reviewer's, so
    another reviewer has to approve it."""
    return _update_texts("correct", entry, by=by, version=version, texts=texts)


def _update_texts(action: str, entry: Entry, *, by, version: int, texts: dict[str, str]) -> Entry:
    locked = _lock(entry, version)
    check(action, locked, by)
    unknown = set(texts) - set(DEPARTMENT_FIELDS)
    if unknown:
        raise ValueError(f"unknown entry fields: {sorted(unknown)}")
    changed = [name for name, value in texts.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, texts[name])
    locked.text_author = by
    _save(locked, by, [*changed, "text_author"])
    return locked


@transaction.atomic
def save_memo(entry: Entry, *, by, version: int, memo: str) -> Entry:
    """A reviewer writes the planning division's internal memo (never printed for the committee).
    ``version`` is the memo's own version (Entry.memo_version) the reviewer started from."""
    locked = _lock(entry, None)
    check("memo", locked, by)  # who, before whether it is stale: a clerk learns nothing of the memo
    if locked.memo_version != version:
        raise StaleMemoError(locked)
    if locked.memo != memo:
        locked.memo = memo
        _save(locked, by, ["memo"])
    return locked


def submit(entry: Entry, *, by, version: int, confirmed: bool = False, texts: dict | None = None) -> Entry:
    """A department member submits a draft or returned entry for review. Empty required
    fields raise SubmissionError; warnings raise NeedsConfirmation unless ``confirmed``.

    ``texts``, when given, are first saved as the draft in their own transaction, so that a submit
    stopped by errors, warnings or the deadline never costs the person their words; the error then
    says so (``draft_saved``). When the entry cannot even be saved, nothing is written and the
    refusal names submitting."""
    saved = False
    if texts:
        if not allows("save", entry, by):
            check("submit", entry, by)  # raises, naming submitting
        before = entry.version
        entry = save_draft(entry, by=by, version=version, **texts)
        saved, version = entry.version != before, entry.version
    try:
        return _submit(entry, by=by, version=version, confirmed=confirmed)
    except StaleEntryError as error:
        if saved:  # the words were saved; only the submit was overtaken
            raise OvertakenSubmitError(error.current) from None
        raise
    except WorkflowError as error:
        error.draft_saved = saved
        raise


@transaction.atomic
def _submit(entry: Entry, *, by, version: int, confirmed: bool) -> Entry:
    locked = _lock(entry, version)
    rule = check("submit", locked, by)
    if unanswered := opinions.unanswered_answers(locked):
        raise UnansweredOpinions(unanswered)
    if incomplete := kpi_records.incomplete_actuals(locked):
        raise IncompleteKpis(incomplete)
    errors = submission_errors(locked)
    if errors:
        raise SubmissionError(errors)
    warnings = submission_warnings(locked)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    return _transition("submit", locked, by=by, version=None, snapshot=text_snapshot(locked), checked=rule)


@transaction.atomic
def withdraw(entry: Entry, *, by, version: int) -> Entry:
    """A department member takes a submitted entry back to draft before it is reviewed."""
    return _transition("withdraw", entry, by=by, version=version)


@transaction.atomic
def return_entry(entry: Entry, *, by, version: int, comment: str) -> Entry:
    """A reviewer returns a submitted entry to the department with a comment (差戻し)."""
    return _transition("return", entry, by=by, version=version, comment=comment)


@transaction.atomic
def approve(entry: Entry, *, by, version: int, comment: str = "") -> Entry:
    """A reviewer approves a submitted entry whose current text they did not write."""
    return _transition("approve", entry, by=by, version=version, comment=comment)


@transaction.atomic
def reopen(entry: Entry, *, by, version: int, comment: str) -> Entry:
    """A reviewer takes back an approval, with a reason, and returns the entry."""
    return _transition("reopen", entry, by=by, version=version, comment=comment)


# What an uploaded sheet may change (docs/domain.md, "What an upload may change"). A department's
# sheet changes its own draft and returned entries while the round lets it edit; the planning
# division's sheet changes any entry not yet approved, and memos. Neither changes a state.
def accepts_uploads(round_: Round) -> bool:
    """Sheets may be uploaded to any round until it is published (what a row may change is below)."""
    return round_.state != Round.State.PUBLISHED


def upload_refusal(entry: Entry, *, department_ids: set[int] | None, texts_changed: bool) -> str | None:
    """Why an upload may not change ``entry`` (a Japanese message naming the reason), or None.

    ``department_ids`` is the uploading department with its sub-units, or None for the planning
    division. ``texts_changed`` says whether the department's texts change (not only the memo).
    """
    if not accepts_uploads(entry.round):
        return "公表済みの評価回は変更できません。"
    if department_ids is not None:
        held = {link.department_id for link in entry.project.project_departments.all()}
        held |= {d.pk for d in departments_in(entry.project, entry.round.fiscal_year)}
        if not department_ids & held:
            return "この課の事業ではありません。他の課の行は変更できません。"
        if entry.state not in RULES["save"].sources:
            return f"「{entry.get_state_display()}」の評価は変更できません。変更する場合は企画課に連絡してください。"
        if not round_allows(RULES["save"], entry):
            return f"評価回が「{entry.round.get_state_display()}」のため、この評価は変更できません。"
        return None
    if texts_changed and entry.state == APPROVED:
        return "承認済の評価は入力表から変更できません。変更が必要な場合は画面で承認を取り消してください。"
    return None


def apply_upload(entry: Entry, *, by, expected_version: int, texts: dict[str, str], memo: str | None) -> Entry:
    """Write an uploaded row to its entry as the uploader's change; the state never changes.
    Raises StaleEntryError if the entry changed after the import was checked. Call inside the
    import's transaction."""
    locked = _lock(entry, expected_version)
    # The loader's entry carries its project's policy, goal and departments: saving reads them for
    # the search fields, and re-reading them for each of 5,000 rows would double an update's time.
    locked.project = entry.project
    changed = [name for name, value in texts.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, texts[name])
    fields = list(changed)
    if changed:
        locked.text_author = by
        fields.append("text_author")
    if memo is not None and memo != locked.memo:
        locked.memo = memo
        fields.append("memo")
    if fields:
        _save(locked, by, fields)
    return locked


def return_reason(entry: Entry, events: list[Event] | None = None) -> Event | None:
    """Why a returned entry was returned (the return or reopening event with its comment), for the
    top of the entry page; None unless the entry is returned now. ``events``: the entry's events
    as already read for the page (newest first, with their actors)."""
    if entry.state != RETURNED:
        return None
    if events is not None:
        return next((e for e in events if e.action in (Event.Action.RETURN, Event.Action.REOPEN)), None)
    return (entry.events.filter(action__in=[Event.Action.RETURN, Event.Action.REOPEN])
            .select_related("actor").order_by("-created_at", "-id").first())


TRANSITION_FUNCTIONS = {
    "withdraw": withdraw,
    "return": return_entry,
    "approve": approve,
    "reopen": reopen,
}


@dataclass
class SubmissionChanges:
    """What changed between the last two submissions, field by field."""

    previous: dict[str, str] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)


def changes_since_previous_submission(entry: Entry, events: list[Event] | None = None) -> SubmissionChanges | None:
    """Compare the entry's current text with what was submitted the time before. ``events``: the
    entry's events as already read for the page (newest first)."""
    if events is not None:
        snapshots = [e.snapshot for e in events if e.action == Event.Action.SUBMIT][:2]
    else:
        snapshots = [e.snapshot for e in
                     entry.events.filter(action=Event.Action.SUBMIT).order_by("-created_at", "-id")[:2]]
    if len(snapshots) < 2:
        return None
    current = text_snapshot(entry)
    previous = snapshots[1]
    changed = [name for name in DEPARTMENT_FIELDS if previous.get(name, "") != current[name]]
    return SubmissionChanges(previous=previous, current=current, changed=changed)

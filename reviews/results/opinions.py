"""The committee's opinions (委員会意見) on a published round: recording, editing, who must answer.

The planning division records an opinion on a project, a policy or a goal of a published round,
addressed to the departments that must answer it (a project's departments unless it chooses).
Opinions are records of their own: the published round never changes. They may be edited until
the next round of the strategy opens; opening it gives every addressed department its answer to
write (reviews.rounds.life.create_answers), which goes through the entry's rules
(reviews.results.answers). An entry of a project with an unanswered opinion cannot be submitted.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet

from projects.access import UserLike, is_reviewer
from projects.models import Department, Goal, Policy, Project
from projects.text import normalize_text, unsafe_character_message
from reviews.fields import TEXT_MAX_LENGTH
from reviews.models import Answer, Entry, Opinion, Round
from reviews.rounds.life import next_round

Subject = Opinion.Subject
ANSWERED_STATES = (Entry.State.SUBMITTED, Entry.State.APPROVED)


class OpinionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def editable(round_: Round) -> bool:
    """Opinions are recorded on a published round, and may change until the next round opens."""
    if not round_.is_published:
        return False
    following = next_round(round_)
    return following is None or following.state == Round.State.PREPARING


def why_not_editable(round_: Round) -> str:
    if not round_.is_published:
        return "委員会意見は、公表した評価回について登録します。"
    return "次の評価回の受付が始まったため、この評価回の委員会意見は変更できません。"


def may_record(user: UserLike, round_: Round) -> bool:
    return is_reviewer(user) and editable(round_)


def default_departments(project: Project) -> list[Department]:
    """A project's opinion is answered by its departments, the lead first."""
    return project.ordered_departments()


def _clean_text(text: str) -> str:
    text = normalize_text(text or "").strip()
    if not text:
        raise OpinionError("委員会意見を入力してください。")
    if problem := unsafe_character_message(text, "委員会意見"):
        raise OpinionError(problem)
    if len(text) > TEXT_MAX_LENGTH:
        raise OpinionError(f"委員会意見は{TEXT_MAX_LENGTH:,}文字以内で入力してください（現在 {len(text):,} 文字）。")
    return text


def _check(user, round_: Round, system: bool = False) -> Round:
    if not system and not is_reviewer(user):
        raise PermissionDenied("委員会意見の登録・変更は企画課の審査担当者だけが行えます。")
    # Lock the round and the next one (in year order, as opening it does), so that an opinion
    # cannot change while the next round opens.
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    following = next_round(locked)
    if following is not None:
        Round.objects.select_for_update().filter(pk=following.pk).first()
    if not editable(locked):
        raise OpinionError(why_not_editable(locked))
    return locked


def _subject(round_: Round, subject: str, target) -> dict:
    """The subject's foreign key, checked to belong to the round."""
    if subject == Subject.PROJECT:
        if not isinstance(target, Project) or not Entry.objects.filter(round=round_, project=target).exists():
            raise OpinionError("この評価回で評価した事業を選んでください。")
        return {"project": target}
    if subject == Subject.POLICY:
        if not isinstance(target, Policy) or target.goal.strategy_id != round_.strategy_id:
            raise OpinionError("この評価回の総合戦略の基本施策を選んでください。")
        return {"policy": target}
    if subject == Subject.GOAL:
        if not isinstance(target, Goal) or target.strategy_id != round_.strategy_id:
            raise OpinionError("この評価回の総合戦略の基本目標を選んでください。")
        return {"goal": target}
    raise OpinionError("意見の対象（事業・基本施策・基本目標）を選んでください。")


def subject_title(round_: Round, subject: str, target) -> str:
    """The subject's name as the published round shows it (from the facts it captured)."""
    if subject == Subject.GOAL:
        entry = Entry.objects.filter(round=round_, project__policy__goal=target).first()
        return entry.facts.goal_band_text if entry else target.band_text
    if subject == Subject.POLICY:
        entry = Entry.objects.filter(round=round_, project__policy=target).first()
        return entry.facts.policy_title if entry else target.title
    entry = Entry.objects.filter(round=round_, project=target).first()
    return entry.facts.project_name if entry else target.name


def _departments(subject: str, target, departments: Iterable[Department]) -> list[Department]:
    chosen = list(departments)
    if not chosen and subject == Subject.PROJECT:
        chosen = default_departments(target)
    if not chosen:
        raise OpinionError("回答する課を1つ以上選んでください（基本施策・基本目標への意見は、企画課が課を選びます）。")
    return chosen


@transaction.atomic
def record_opinion(round_: Round, *, by, subject: str, target, text: str,
                   departments: Iterable[Department] = (), system: bool = False) -> Opinion:
    """Record the committee's opinion on ``target`` (a Project, Policy or Goal of the round).
    ``system`` is for the demo's data, recorded by nobody."""
    locked = _check(by, round_, system)
    fields = _subject(locked, subject, target)
    text = _clean_text(text)
    chosen = _departments(subject, target, departments)
    opinion = Opinion.objects.create(round=locked, subject=subject, text=text, created_by=by, updated_by=by,
                                     subject_title=subject_title(locked, subject, target), **fields)
    opinion.departments.set(chosen)
    _capture_names(opinion, chosen)
    return opinion


def _capture_names(opinion: Opinion, departments: list[Department]) -> None:
    """The addressed departments' names as they are when the opinion is recorded or edited."""
    Opinion.objects.filter(pk=opinion.pk).update(department_names=[d.name for d in departments])
    opinion.department_names = [d.name for d in departments]


@transaction.atomic
def edit_opinion(opinion: Opinion, *, by, text: str, departments: Iterable[Department] = ()) -> Opinion:
    """Change an opinion's text or the departments that answer it (its subject stays)."""
    _check(by, opinion.round)
    locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
    target = locked.project or locked.policy or locked.goal
    locked.text = _clean_text(text)
    locked.updated_by = by
    locked._history_user = by
    locked.save(update_fields=["text", "updated_by", "updated_at"])
    chosen = _departments(locked.subject, target, departments)
    locked.departments.set(chosen)
    _capture_names(locked, chosen)
    return locked


@transaction.atomic
def delete_opinion(opinion: Opinion, *, by) -> None:
    """Remove an opinion recorded by mistake, while it may still change (no answers exist yet)."""
    _check(by, opinion.round)
    locked = Opinion.objects.select_for_update().get(pk=opinion.pk)
    if locked.answers.exists():
        raise OpinionError("対応方針のある委員会意見は削除できません。")
    locked.departments.clear()
    locked.delete()


def opinions_of(round_: Round) -> QuerySet[Opinion]:
    """A round's opinions with what their pages show, in the order they were recorded."""
    return (
        Opinion.objects.filter(round=round_)
        .select_related("project", "policy__goal", "goal", "round")
        .prefetch_related("departments", "answers__department")
        .order_by("pk")
    )


def unanswered_answers(entry: Entry) -> list[Answer]:
    """The answers, in the entry's round, to opinions on the entry's project that are not yet
    submitted or approved: while any is left, the entry cannot be submitted."""
    return list(
        Answer.objects.filter(round_id=entry.round_id, opinion__project_id=entry.project_id)
        .exclude(state__in=ANSWERED_STATES)
        .select_related("opinion", "department")
        .order_by("opinion_id", "department__name")
    )

"""Projects over time: rename, merge into another project, retire, each from a fiscal year. A
project that is renamed or moved keeps its record (one page, all its rounds); one merged into
another ends and records its successor, so that the story follows it (projects.history)."""

from django.db import transaction

from projects.history import project_name_in
from projects.models import Change, Project, ProjectFormerName, ProjectSuccession
from projects.text import normalize_name
from reviews.changes.common import (
    ChangeError,
    Outcome,
    check_administrator,
    check_names_free,
    check_no_entries_from,
    check_reason,
    check_year,
    record,
    rounds_effect,
    set_project_name,
    years_label,
)
from reviews.models import Entry


def _check_active(project: Project) -> None:
    if not project.active:
        raise ChangeError(f"事業「{project.name}」はすでに終了しています。")


def rename_project(project: Project, *, name: str, year: int, by, reason: str, dry_run: bool = False) -> Outcome:
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    name = (name or "").strip()
    if not name:
        raise ChangeError("新しい事業名を入力してください。")
    if len(name) > 200:
        raise ChangeError("事業名は200文字以内で入力してください。")
    if normalize_name(name) == normalize_name(project.name):
        raise ChangeError("新しい事業名が今の名称と同じです。")
    same = [p for p in project.policy.projects.exclude(pk=project.pk) if normalize_name(p.name) == normalize_name(name)]
    if same:
        raise ChangeError(f"同じ基本施策に「{same[0].name}」という事業がすでにあります。")
    check_names_free(ProjectFormerName, "project", project, year, f"事業「{project.name}」")
    entries = Entry.objects.filter(project=project)
    lines = [f"事業「{project.name}」の名称を {years_label(year)}から「{name}」に変えます。",
             f"{year - 1}年度までの評価回では「{project_name_in(project, year - 1)}」と表示します。事業のページと評価の経過は一つのままで、"
             "検索ではどちらの名称でも見つかります。",
             *rounds_effect(year, entries)]
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        change = record(Change.Kind.PROJECT_RENAME, year=year, by=by, reason=reason, lines=lines, projects=[project])
        set_project_name(Project.objects.select_for_update().get(pk=project.pk), name, year, change)
    return Outcome(lines, change)


def merge_project(project: Project, *, into: Project, year: int, by, reason: str, dry_run: bool = False) -> Outcome:
    """``project`` ends after ``year`` − 1 and goes on as part of ``into``."""
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    if into is None or into.pk == project.pk:
        raise ChangeError("統合先には別の事業を選んでください。")
    _check_active(project)
    _check_active(into)
    if into.policy.goal.strategy_id != project.policy.goal.strategy_id:
        raise ChangeError("統合先は同じ総合戦略の事業にしてください（次の総合戦略へは「次期総合戦略への引継ぎ」を使います）。")
    check_no_entries_from(project, year, "統合する")
    lines = [f"事業「{project.name}」を {years_label(year)}から事業「{into.name}」に統合します。",
             f"「{project.name}」は {year - 1}年度までの評価で終わり、次の評価回からは含めません。"
             f"「{into.name}」の評価の経過には「{project.name}」のこれまでの評価も並びます。",
             *rounds_effect(year, Entry.objects.filter(project__in=[project, into]))]
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        change = record(Change.Kind.PROJECT_MERGE, year=year, by=by, reason=reason, lines=lines,
                        projects=[project, into])
        ProjectSuccession.objects.create(predecessor=project, successor=into, kind=ProjectSuccession.Kind.MERGED,
                                         effective_year=year, change=change)
        Project.objects.filter(pk=project.pk).update(active=False, last_year=year - 1)
    return Outcome(lines, change)


def retire_project(project: Project, *, year: int, by, reason: str, dry_run: bool = False) -> Outcome:
    check_administrator(by)
    year, reason = check_year(year), check_reason(reason)
    _check_active(project)
    check_no_entries_from(project, year, "終了する")
    lines = [f"事業「{project.name}」を {year - 1}年度で終了します（{years_label(year)}からの評価回には含めません）。",
             "これまでの評価はそのまま残ります。",
             *rounds_effect(year, Entry.objects.filter(project=project))]
    if dry_run:
        return Outcome(lines)
    with transaction.atomic():
        change = record(Change.Kind.PROJECT_RETIRE, year=year, by=by, reason=reason, lines=lines, projects=[project])
        Project.objects.filter(pk=project.pk).update(active=False, last_year=year - 1)
    return Outcome(lines, change)

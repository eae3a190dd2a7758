"""A round from the database as the official sheet's document (see reviews/sheet/)."""

import io
from typing import BinaryIO

from django.http import FileResponse
from django.utils.http import content_disposition_header

from projects.models import Department
from reviews.models import Entry, Round
from reviews.sheet.document import SheetDocument, SheetGoal, SheetPolicy, SheetProject
from reviews.sheet.layout import DEFAULT_DOCUMENT_LABEL, DEFAULT_SHEET_NAME
from reviews.sheet.writer import write_sheet

SHEET_TITLE_SUFFIX = " 実施事業評価等入力表"


def department_with_sub_units(department: Department) -> list[Department]:
    """A department's sheet holds its sub-units' projects too (their members work on them)."""
    return [department, *department.children.all()]


def round_entries(round_: Round, department: Department | None = None):
    entries = (
        Entry.objects.filter(round=round_)
        .select_related("project__policy__goal")
        .prefetch_related("project__project_departments__department")
        .order_by("project__policy__goal__number", "project__policy__order", "project__order")
    )
    if department is not None:
        entries = entries.filter(project__departments__in=department_with_sub_units(department)).distinct()
    return entries


def round_document(round_: Round, *, department: Department | None = None, with_memo: bool = False) -> SheetDocument:
    """The round (or one department's part of it) as a SheetDocument, in the sheet's order.
    The memo is included only when ``with_memo`` (an internal export for the planning division)."""
    goals: dict[int, SheetGoal] = {}
    policies: dict[int, SheetPolicy] = {}
    for entry in round_entries(round_, department):
        policy = entry.project.policy
        goal = policy.goal
        if goal.pk not in goals:
            goals[goal.pk] = SheetGoal(number=goal.number, title=goal.title, project_label=goal.project_label)
        if policy.pk not in policies:
            policies[policy.pk] = SheetPolicy(title=policy.title)
            goals[goal.pk].policies.append(policies[policy.pk])
        project = entry.project
        policies[policy.pk].projects.append(
            SheetProject(
                name=project.name,
                status=entry.status,
                category=project.get_category_display(),
                description=project.description,
                implementation=entry.implementation,
                evaluation=entry.evaluation,
                future_policy=entry.future_policy,
                departments=[d.name for d in project.ordered_departments()],
                memo=entry.memo if with_memo else "",
                entry_id=entry.pk,
                entry_version=entry.version,
            )
        )
    return SheetDocument(
        title=f"{round_.strategy.name}{SHEET_TITLE_SUFFIX}",
        document_label=DEFAULT_DOCUMENT_LABEL,
        legend_paragraphs=round_.legend_paragraphs,
        implementation_heading=round_.implementation_heading,
        goals=list(goals.values()),
        sheet_name=department.name if department else DEFAULT_SHEET_NAME,
    )


def export_round(round_: Round, stream: BinaryIO, *, department: Department | None = None,
                 with_memo: bool = False) -> None:
    """Write the round's official sheet (or a department's) to a binary stream."""
    write_sheet(round_document(round_, department=department, with_memo=with_memo), stream, with_memo=with_memo)


def sheet_filename(round_: Round, department: Department | None = None, with_memo: bool = False) -> str:
    parts = [round_.fiscal_year_label, "実施事業評価等入力表"]
    if department is not None:
        parts.append(department.name)
    if with_memo:
        parts.append("内部用メモ付き")
    return "_".join(parts) + ".xlsx"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_download_response(round_: Round, department: Department | None, with_memo: bool) -> FileResponse:
    """The sheet as a download; every screen that offers the sheet answers with this."""
    buffer = io.BytesIO()
    export_round(round_, buffer, department=department, with_memo=with_memo)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, sheet_filename(round_, department, with_memo))
    return response

"""What an import found and did, and the project facts a sheet repeats but never changes."""

from dataclasses import dataclass, field

from projects.models import Project
from projects.text import normalize_name, normalize_text
from reviews.models import Round
from reviews.sheets.workbook.document import SheetDocument, SheetProject
from reviews.sheets.workbook.reader import SheetError

CATEGORY_BY_LABEL = {label: value for value, label in Project.Category.choices}
CATEGORY_LABELS = dict(Project.Category.choices)


@dataclass
class FieldChange:
    row: int | None
    project: str
    field: str
    old: str
    new: str


@dataclass
class ImportResult:
    """What an import found and did. ``applied`` is False for a dry run or when there were errors."""

    errors: list[SheetError] = field(default_factory=list)
    warnings: list[SheetError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    applied: bool = False
    round: Round | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        """A JSON-able record of what changed, kept with the uploaded file."""
        return {
            "created": self.created,
            "changes": [vars(c) for c in self.changes],
            "warnings": [str(w) for w in self.warnings],
        }


def sheet_error(doc: SheetDocument, row: int | None, column: str | None, message: str) -> SheetError:
    """An error or warning at a row and a field's column (`"implementation"`), where the reader found it."""
    letter = doc.columns.get(column, column) if column else None
    return SheetError(doc.sheet_name, row, letter, message)


@dataclass
class ProjectFacts:
    """What a sheet repeats about a project rather than its entry: compared, never imported."""

    pk: int
    name: str
    description: str
    category: str  # a Project.Category value
    departments: list[str]  # names, the lead first

    @classmethod
    def of(cls, project: Project) -> "ProjectFacts":
        return cls(project.pk, project.name, project.description, project.category,
                   [d.name for d in project.ordered_departments()])


def project_facts_warnings(doc: SheetDocument, sheet: SheetProject, project: ProjectFacts) -> list[SheetError]:
    """Differences in what belongs to the project (not the entry): reported, never applied."""
    warnings = []
    if normalize_text(sheet.description) != normalize_text(project.description):
        warnings.append(sheet_error(doc, sheet.row, "description", f"事業「{project.name}」の事業内容が登録内容と異なります（取り込みません。変更は管理画面で行います）。"))
    if sheet.category and CATEGORY_BY_LABEL.get(sheet.category) != project.category:
        warnings.append(sheet_error(doc, sheet.row, "name_code", f"事業「{project.name}」の継続/新規が登録内容（{CATEGORY_LABELS.get(project.category, project.category)}）と異なります（取り込みません）。"))
    if [normalize_name(n) for n in sheet.departments] != [normalize_name(n) for n in project.departments]:
        warnings.append(sheet_error(doc, sheet.row, "departments", f"事業「{project.name}」の担当課が登録内容（{'、'.join(project.departments)}）と異なります（取り込みません）。"))
    return warnings

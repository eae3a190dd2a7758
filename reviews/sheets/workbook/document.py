"""The interchange format between the database layer and the sheet writer/reader.

Plain dataclasses only: the writer turns a SheetDocument into an .xlsx, the reader turns an .xlsx back
into one, and the database layer builds or applies them. Nothing here knows about Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from . import layout


def default_columns() -> dict[str, str]:
    """Each field's column letter as the writer lays the table out (starting in A, with メモ)."""
    return {name: get_column_letter(index) for name, index in layout.COLUMN_OF.items()}


@dataclass
class SheetProject:
    name: str
    status: str  # 'A'..'D', or '' for a draft without a letter
    category: str  # '継続' or '新規'
    description: str
    implementation: str
    evaluation: str
    future_policy: str
    departments: list[str]  # lead first
    memo: str = ""
    entry_id: int | None = None
    entry_version: int | None = None
    row: int | None = None  # source row number when read from a sheet


@dataclass
class SheetPolicy:
    title: str
    projects: list[SheetProject] = field(default_factory=list)
    row: int | None = None


@dataclass
class SheetGoal:
    number: int
    title: str
    project_label: str  # without the surrounding <>
    policies: list[SheetPolicy] = field(default_factory=list)
    row: int | None = None


@dataclass
class SheetDocument:
    title: str  # '入間市まち・ひと・しごと創生総合戦略 実施事業評価等入力表'
    document_label: str  # '資料1'
    legend_paragraphs: list[str]
    implementation_heading: str  # e.g. '平成28、29年度の実施内容'
    goals: list[SheetGoal]
    sheet_name: str = ""
    # Where the reader found each field (`implementation` → "E"), so that an error found later
    # against the database names the column the person sees, also in a table moved to the right.
    columns: dict[str, str] = field(default_factory=default_columns)
    # The signed identifier of the download this workbook was written for ("" when none).
    download_stamp: str = ""

    def projects(self) -> list[SheetProject]:
        """Return every project of the document in sheet order, across all goals and policies."""
        return [p for g in self.goals for pol in g.policies for p in pol.projects]


def document_from_seed(data: dict[str, Any]) -> SheetDocument:
    """Build a SheetDocument from the seed JSON's shape (fixtures/iruma-fy2017.json; docs/domain.md describes it).

    Missing optional keys (memo, legend, label) default to empty values so that a hand-written
    fixture in the same shape also works; the goal's project label is taken without its <>.
    """
    legend = data.get("legend") or {}
    goals = []
    for g in data.get("goals", []):
        policies = []
        for pol in g.get("policies", []):
            projects = [
                SheetProject(
                    name=p["name"],
                    status=p.get("status", ""),
                    category=p.get("category", ""),
                    description=p.get("description", ""),
                    implementation=p.get("implementation", ""),
                    evaluation=p.get("evaluation", ""),
                    future_policy=p.get("future_policy", ""),
                    departments=list(p.get("departments", [])),
                    memo=p.get("memo", "") or "",
                )
                for p in pol.get("projects", [])
            ]
            policies.append(SheetPolicy(title=pol["title"], projects=projects))
        label = (g.get("project_label") or "").strip().strip("<>＜＞").strip()
        goals.append(SheetGoal(number=int(g["number"]), title=g["title"], project_label=label,
                               policies=policies))
    return SheetDocument(
        title=data.get("title", ""),
        document_label=data.get("document_label", ""),
        legend_paragraphs=list(legend.get("paragraphs", [])),
        implementation_heading=data.get("fiscal_year_header", ""),
        goals=goals,
    )

"""A department's name holds nothing that splits a list of departments, wherever one is split:
otherwise it comes back as two departments, and its own sheet no longer loads."""

import pytest

from projects.forms import _SEPARATORS as department_field_separators
from projects.models import Department
from projects.resources import _split_departments as flat_import_split
from projects.validators import DEPARTMENT_NAME_SEPARATORS, department_name_problem
from reviews.sheets.loading import import_new_round
from reviews.sheets.workbook.document import SheetProject
from reviews.sheets.workbook.reader import split_departments
from tests.reviews.sheets.workbook.make_golden import seed_document

pytestmark = pytest.mark.django_db

EVERY_SPLITTER = {
    "the sheet's reader": split_departments,
    "the department field": department_field_separators.split,
    "the flat import": flat_import_split,
}


@pytest.mark.parametrize("splitter", EVERY_SPLITTER, ids=str)
def test_every_character_that_splits_a_list_somewhere_is_refused_in_a_name(splitter):
    split = EVERY_SPLITTER[splitter]
    for character in sorted({*DEPARTMENT_NAME_SEPARATORS, " ", "\u3000", "\n", "\t", ";", "；", "､", "，"}):
        name = f"産業{character}観光課"
        if len([part for part in split(name) if part.strip()]) > 1:
            assert department_name_problem(name), f"{splitter} splits on {character!r}, which a name may hold"


@pytest.mark.parametrize("named", ["新設課;農業振興課", "新" * 101 + "課"])
def test_a_new_round_from_a_sheet_does_not_create_a_department_no_other_path_would(seed, named):
    """Departments a new round creates go in with bulk_create, past the model's validators."""
    doc = seed_document()
    doc.goals[0].policies[0].projects.append(SheetProject(
        name="新しい事業", status="A", category="新規", description="", implementation="", evaluation="",
        future_policy="", departments=[named]))
    before = Department.objects.count()

    result = import_new_round(doc, fiscal_year=2018, allow_new_departments=True)

    assert not result.applied
    assert any("担当課「" in error.message for error in result.errors), [str(e) for e in result.errors]
    assert Department.objects.count() == before

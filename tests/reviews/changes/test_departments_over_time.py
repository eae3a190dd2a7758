"""Departments over time: renamed, merged, split, and a project moved, each from a fiscal year,
without rewriting the rounds before it (issue 14, item 2)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from projects.models import Change, Department, DepartmentSuccession, Membership, Project
from reviews.access import entries_of_departments, entries_visible_to
from reviews.changes import departments as changes
from reviews.changes.common import ChangeError
from reviews.models import Entry, Round
from reviews.rounds import life
from reviews.sheets.export import export_round, round_document
from tests.factories import make_user

FACEBOOK = "入間ご当地愛醸成事業(ご当地フェイスブック)"


@pytest.fixture
def three_rounds(open_round):
    """FY2017 published (the seed), FY2018 open, FY2019 in preparation: every project in each."""
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度 実施事業評価",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    return Round.objects.get(fiscal_year=2017), open_round, fy2019


def sheet_cells(round_: Round, department: Department | None = None) -> list[list]:
    stream = io.BytesIO()
    export_round(round_, stream, department=department)
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def departments_printed(round_: Round, department: Department | None = None) -> set[str]:
    doc = round_document(round_, department=department)
    return {name for goal in doc.goals for policy in goal.policies for row in policy.projects for name in row.departments}


def test_a_department_renamed_from_fy2019_prints_its_old_name_before_and_its_new_one_from_then(three_rounds, admin_user):
    fy2017, fy2018, fy2019 = three_rounds
    before_2017, before_2018 = sheet_cells(fy2017), sheet_cells(fy2018)
    shoko = Department.objects.get(name="商工観光課")

    changes.rename_department(shoko, name="産業振興課", year=2019, by=admin_user, reason="令和元年度の組織改正")

    assert sheet_cells(fy2017) == before_2017  # published: exactly as before
    assert sheet_cells(fy2018) == before_2018  # not published, but of a year before the change
    assert "商工観光課" in departments_printed(fy2018) and "産業振興課" not in departments_printed(fy2018)
    assert "産業振興課" in departments_printed(fy2019) and "商工観光課" not in departments_printed(fy2019)
    # The department's own sheet is named as the round's year names it.
    shoko = Department.objects.get(pk=shoko.pk)
    assert round_document(fy2018, department=shoko).sheet_name == "商工観光課"
    assert round_document(fy2019, department=shoko).sheet_name == "産業振興課"


def test_a_rename_is_recorded_with_who_when_and_why_and_refused_before_a_later_one(three_rounds, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    outcome = changes.rename_department(shoko, name="産業振興課", year=2019, by=admin_user, reason="組織改正")
    change = Change.objects.get()
    assert change == outcome.change and change.made_by == admin_user and change.reason == "組織改正"
    assert change.kind == Change.Kind.DEPARTMENT_RENAME and list(change.departments.all()) == [shoko]
    with pytest.raises(ChangeError, match="それより前の年度"):
        changes.rename_department(Department.objects.get(pk=shoko.pk), name="観光課", year=2018, by=admin_user,
                                  reason="誤り")


def test_only_an_administrator_changes_the_organisation(three_rounds, reviewer):
    with pytest.raises(ChangeError, match="管理者だけ"):
        changes.rename_department(Department.objects.get(name="商工観光課"), name="産業振興課", year=2019,
                                  by=reviewer, reason="r")


def test_a_preview_changes_nothing(three_rounds, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    outcome = changes.rename_department(shoko, name="産業振興課", year=2019, by=admin_user, reason="r", dry_run=True)
    assert any("産業振興課" in line for line in outcome.lines)
    assert Department.objects.get(pk=shoko.pk).name == "商工観光課" and not Change.objects.exists()


def test_two_departments_merged_keep_both_histories_and_their_former_members_see_their_own_past_entries(
        three_rounds, admin_user, staff_a, staff_b):
    fy2017, fy2018, fy2019 = three_rounds
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    shoko_2018 = set(entries_visible_to(staff_a).filter(round=fy2018).values_list("pk", flat=True))
    hoken_2018 = set(entries_visible_to(staff_b).filter(round=fy2018).values_list("pk", flat=True))
    before_2018 = sheet_cells(fy2018)

    changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user, reason="統合")

    merged = Department.objects.get(name="産業保健部")
    assert Department.objects.get(pk=shoko.pk).last_year == 2018 and merged.first_year == 2019
    assert set(DepartmentSuccession.objects.values_list("predecessor__name", flat=True)) == {"商工観光課", "地域保健課"}
    # Both clerks now belong to the new department and still see what they wrote, and each other's past.
    assert set(Membership.objects.filter(user=staff_a).values_list("department__name", flat=True)) == {"産業保健部"}
    for clerk in (staff_a, staff_b):
        clerk = type(clerk).objects.get(pk=clerk.pk)
        seen = set(entries_visible_to(clerk).filter(round=fy2018).values_list("pk", flat=True))
        assert shoko_2018 | hoken_2018 <= seen
    # Earlier rounds print the old names; the new department's FY2018 sheet holds both histories.
    assert sheet_cells(fy2018) == before_2018
    assert {"商工観光課", "地域保健課"} <= departments_printed(fy2018, merged)
    assert "産業保健部" in departments_printed(fy2019) and not {"商工観光課", "地域保健課"} & departments_printed(fy2019)
    assert len(round_document(fy2019, department=merged).goals) > 0


def test_a_member_of_the_merged_department_can_still_finish_a_returned_entry_of_the_year_before(
        three_rounds, admin_user, staff_a):
    _, fy2018, _ = three_rounds
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    hoken_entry = Entry.objects.filter(round=fy2018, project__departments=hoken).first()
    changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user, reason="統合")
    from projects.access import is_member_for

    staff_a = type(staff_a).objects.get(pk=staff_a.pk)
    assert is_member_for(staff_a, hoken_entry.project, 2018)


def test_a_split_assigns_projects_and_members_as_chosen(three_rounds, admin_user, staff_a):
    _, fy2018, fy2019 = three_rounds
    shoko = Department.objects.get(name="商工観光課")
    other = make_user("staff_a2", "商工観光課")
    projects = list(Project.objects.filter(project_departments__department=shoko).order_by("pk"))
    parts = changes.split_parts(shoko, ["産業振興課", "観光課"])
    first, rest = projects[0], projects[1:]
    choice = {p.pk: (0 if p == first else 1) for p in projects}

    changes.split_department(shoko, parts, projects=choice, members={staff_a.pk: 0, other.pk: 1}, children={},
                             year=2019, by=admin_user, reason="分割")

    sangyo, kanko = Department.objects.get(name="産業振興課"), Department.objects.get(name="観光課")
    assert list(Project.objects.filter(project_departments__department=sangyo)) == [first]
    assert set(Project.objects.filter(project_departments__department=kanko)) == set(rest)
    assert Membership.objects.filter(user=staff_a, department=sangyo).exists()
    assert Membership.objects.filter(user=other, department=kanko).exists()
    assert not Membership.objects.filter(department=shoko).exists()
    # Both parts' members see the whole department's past; FY2018 still prints 商工観光課.
    staff_a = type(staff_a).objects.get(pk=staff_a.pk)
    visible = entries_visible_to(staff_a).filter(round=fy2018)
    assert set(visible.values_list("project_id", flat=True)) >= {p.pk for p in projects}
    assert "商工観光課" in departments_printed(fy2018) and "商工観光課" not in departments_printed(fy2019)
    # But from FY2019 a part's entries are only what it took.
    fy2019_of_sangyo = Entry.objects.filter(round=fy2019).filter(entries_of_departments({sangyo.pk}))
    assert set(fy2019_of_sangyo.values_list("project_id", flat=True)) == {first.pk}


def test_a_split_refuses_a_project_or_member_left_without_a_department(three_rounds, admin_user, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    parts = changes.split_parts(shoko, ["産業振興課", "観光課"])
    with pytest.raises(ChangeError, match="引き継ぐ部署を選んでください"):
        changes.split_department(shoko, parts, projects={}, members={}, children={}, year=2019, by=admin_user,
                                 reason="分割")
    assert Department.objects.get(pk=shoko.pk).is_current and not Change.objects.exists()


def test_a_project_moved_from_fy2019_stays_with_its_old_department_in_earlier_rounds(three_rounds, admin_user,
                                                                                     staff_a):
    _, fy2018, fy2019 = three_rounds
    shoko, koho = Department.objects.get(name="商工観光課"), Department.objects.get(name="広報課")
    project = Project.objects.filter(project_departments__department=shoko).first()
    koho_clerk = make_user("koho", "広報課")

    changes.change_project_departments(project, [koho], year=2019, by=admin_user, reason="移管")

    entry_2018 = Entry.objects.get(round=fy2018, project=project)
    entry_2019 = Entry.objects.get(round=fy2019, project=project)
    assert entry_2018.facts.departments == ("商工観光課",) and entry_2019.facts.departments == ("広報課",)
    # The old department still sees what it wrote; the new one sees the whole project.
    staff_a = type(staff_a).objects.get(pk=staff_a.pk)
    assert entries_visible_to(staff_a).filter(pk=entry_2018.pk).exists()
    assert entries_visible_to(koho_clerk).filter(pk=entry_2018.pk).exists()
    assert not Entry.objects.filter(pk=entry_2019.pk).filter(entries_of_departments({shoko.pk})).exists()
    assert Entry.objects.filter(pk=entry_2019.pk).filter(entries_of_departments({koho.pk})).exists()
    assert project.name in {row.name for goal in round_document(fy2018, department=shoko).goals
                            for policy in goal.policies for row in policy.projects}


def test_a_department_renamed_and_merged_still_reads_back_its_sheet_of_the_year_before(three_rounds, admin_user,
                                                                                      staff_a):
    """After an April reorganisation the FY2018 round is finished under the new department: its
    FY2018 sheet (old names) goes out and comes back with a text filled in, without a warning."""
    from reviews.sheets.loading import import_update
    from reviews.sheets.workbook.reader import read_sheet

    _, fy2018, _ = three_rounds
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user, reason="統合")
    merged = Department.objects.get(name="産業保健部")
    stream = io.BytesIO()
    export_round(fy2018, stream, department=merged)
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    sheet = book.active
    row = next(r for r in sheet.iter_rows() if r[7].value and "地域保健課" in str(r[7].value))
    row[4].value = "令和元年度の組織改正後に記入した。"
    edited = io.BytesIO()
    book.save(edited)
    doc = read_sheet(edited.getvalue()).document
    staff_a = type(staff_a).objects.get(pk=staff_a.pk)
    result = import_update(doc, fy2018, by=staff_a, department=merged)
    assert result.errors == [] and result.warnings == [] and result.applied
    assert Entry.objects.filter(round=fy2018, implementation="令和元年度の組織改正後に記入した。").count() == 1


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","商工")', "産業、観光課", "産業 観光課", "産業；観光課", "産業\n観光課"])
def test_a_department_name_holding_what_splits_department_lists_is_refused(three_rounds, admin_user, name):
    """The sheet's 担当課 cell, the department field and the open data's lists split on these: the
    department would come back as two, and its own sheet would no longer load."""
    shoko = Department.objects.get(name="商工観光課")
    with pytest.raises(ChangeError, match="部署名に"):
        changes.rename_department(shoko, name=name, year=2019, by=admin_user, reason="組織改正")
    with pytest.raises(ChangeError, match="部署名に"):
        changes.merge_departments([shoko, Department.objects.get(name="地域保健課")], new_name=name, year=2019,
                                  by=admin_user, reason="統合")
    assert Department.objects.get(pk=shoko.pk).name == "商工観光課" and not Change.objects.exists()




def test_a_department_made_by_a_merge_is_not_renamed_from_before_it_existed(three_rounds, admin_user):
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user, reason="統合")
    merged = Department.objects.get(name="産業保健部")
    with pytest.raises(ChangeError, match="にできた部署です"):
        changes.rename_department(merged, name="産業部", year=1989, by=admin_user, reason="誤り")
    changes.rename_department(Department.objects.get(pk=merged.pk), name="産業部", year=2019, by=admin_user,
                              reason="名称の誤りを直す")
    assert Department.objects.get(pk=merged.pk).name == "産業部"


def test_a_merges_record_says_what_was_done_not_what_will_be(client, open_round, admin_user):
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    preview = changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user,
                                        reason="統合", dry_run=True)
    assert "統合します" in "\n".join(preview.lines)
    changes.merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user, reason="統合")
    change = Change.objects.get()
    client.force_login(admin_user)
    page = client.get(reverse("reviews:changes-record", args=[change.pk])).content.decode()
    assert "統合しました" in page and "統合します" not in page
    listing = client.get(reverse("reviews:changes")).content.decode()
    assert "統合しました" in listing and "統合します" not in listing

"""What a reorganisation must not break: answers owed by a merged department, the staff import,
the admin, other departments' reach and hostile names."""

import io

import openpyxl
import pytest
from django.urls import reverse

from projects.models import Department, Project
from projects.staff_import import parse
from reviews.access import entries_visible_to
from reviews.changes.departments import change_project_departments, merge_departments, rename_department
from reviews.models import Answer, Entry, Opinion, Round
from reviews.rounds import life
from reviews.sheets.export import export_round


def test_an_opinion_addressed_to_a_merged_department_is_answered_by_the_one_that_took_over(seed, admin_user):
    fy2017 = Round.objects.get(fiscal_year=2017)
    project = Project.objects.get(name="企業等誘致事業")
    opinion = Opinion.objects.create(round=fy2017, subject=Opinion.Subject.PROJECT, project=project, text="意見")
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    opinion.departments.set([shoko])
    merge_departments([shoko, hoken], new_name="産業保健部", year=2018, by=admin_user, reason="統合")
    fy2018 = life.create_round(fy2017, by=None, system=True, fiscal_year=2018, title="平成30年度", legend="",
                               implementation_heading="平成30年度の実施内容", deadline=None)
    life.create_answers(fy2018)
    assert list(Answer.objects.filter(opinion=opinion).values_list("department__name", flat=True)) == ["産業保健部"]


def test_the_staff_import_refuses_a_department_that_has_ended(seed, admin_user):
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    merge_departments([shoko, hoken], new_name="産業保健部", year=2019, by=admin_user, reason="統合")
    csv = "ログイン名,氏名,部署,役割\nnew_clerk,入間 花子,商工観光課,担当課職員\n".encode()
    result = parse(csv)
    assert any("2018年度までの部署です" in error for error in result.errors)


def test_the_admin_points_to_the_guided_changes_instead_of_editing_names(client, seed, admin_user):
    client.force_login(admin_user)
    project = Project.objects.get(name="企業等誘致事業")
    page = client.get(reverse("admin:projects_project_change", args=[project.pk])).content.decode()
    assert "組織・事業の変更" in page and 'name="name"' not in page and 'name="project_departments-0-department"' not in page
    shoko = Department.objects.get(name="商工観光課")
    page = client.get(reverse("admin:projects_department_change", args=[shoko.pk])).content.decode()
    assert "組織・事業の変更" in page and 'name="name"' not in page
    # A new project still gets its departments in the admin.
    assert 'name="project_departments-0-department"' in client.get(reverse("admin:projects_project_add")).content.decode()


def test_another_departments_clerk_sees_nothing_more_after_a_move(open_round, admin_user, staff_b):
    project = Project.objects.get(name="企業等誘致事業")
    change_project_departments(project, [Department.objects.get(name="広報課")], year=2019, by=admin_user, reason="移管")
    assert not entries_visible_to(staff_b).filter(project=project).exists()


def test_a_department_named_like_a_formula_prints_as_text(open_round, admin_user, client):
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度", legend="",
                               implementation_heading="令和元年度の実施内容", deadline=None)
    rename_department(Department.objects.get(name="商工観光課"), name="=HYPERLINK(\"http://x\")", year=2019,
                      by=admin_user, reason="<script>alert(1)</script>")
    stream = io.BytesIO()
    export_round(fy2019, stream)
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    cells = [cell for row in sheet.iter_rows() for cell in row if "HYPERLINK" in str(cell.value or "")]
    assert cells and all(cell.data_type == "s" for cell in cells)
    client.force_login(admin_user)
    page = client.get(reverse("reviews:changes")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("year", [2018, 2019])
def test_a_project_moved_keeps_its_entries_and_their_count(open_round, admin_user, year):
    before = Entry.objects.count()
    project = Project.objects.get(name="企業等誘致事業")
    change_project_departments(project, [Department.objects.get(name="広報課"), Department.objects.get(name="企画課")],
                               year=year, by=admin_user, reason="移管")
    assert Entry.objects.count() == before
    entry = Entry.objects.get(round=open_round, project=project)
    expected = ("広報課", "企画課") if year <= 2018 else ("商工観光課",)
    assert entry.facts.departments == expected


def test_a_user_without_rights_never_sees_the_menu(client, seed, reviewer):
    client.force_login(reviewer)
    assert "組織・事業の変更" not in client.get(reverse("reviews:help")).content.decode()




def test_the_command_exports_a_departments_sheet_by_the_name_it_had(open_round, admin_user, tmp_path):
    from django.core.management import call_command

    rename_department(Department.objects.get(name="商工観光課"), name="産業振興課", year=2019, by=admin_user, reason="r")
    out = tmp_path / "sheet.xlsx"
    call_command("export_sheet", "--round", "2018", "--department", "商工観光課", "-o", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "商工観光課"

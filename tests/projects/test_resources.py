"""The admin's flat spreadsheets: Japanese columns, names instead of ids, and a round trip."""

import pytest
import tablib
from django.db import connection

from projects.models import Department, Goal, Policy, Project, ProjectDepartment
from projects.resources import DepartmentResource, GoalResource, PolicyResource, ProjectResource
from reviews.models import Entry, Event, Round, SheetDownload
from reviews.resources import EntryExportResource

pytestmark = pytest.mark.django_db


def project_rows() -> list[tuple]:
    return [
        (p.policy.goal.number, p.policy.title, p.order, p.name, p.description, p.category, p.active,
         tuple(d.name for d in p.ordered_departments()))
        for p in Project.objects.select_related("policy__goal").prefetch_related("project_departments__department")
    ]


def reimport(resource, dataset: tablib.Dataset, **kwargs):
    result = resource.import_data(dataset, dry_run=False, raise_errors=False, **kwargs)
    messages = [str(e.error) for e in result.base_errors] + [
        f"{row}: {error.error}" for row, errors in result.row_errors() for error in errors
    ] + [f"{row.number}: {row.validation_error}" for row in result.invalid_rows]
    assert not messages, messages
    return result


def test_departments_export_with_japanese_columns_and_parent_names(seed):
    dataset = DepartmentResource().export()
    assert dataset.headers == ["部署名", "上位の部署"]
    rows = {row[0]: row[1] for row in dataset}
    assert rows["青少年課（児童センター）"] == "青少年課"
    assert rows["商工観光課"] == ""
    assert list(dataset.get_col(0)).index("青少年課") < list(dataset.get_col(0)).index("青少年課（児童センター）")


def empty_the_database() -> None:
    """Remove every record, events included (which the application itself never deletes)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Event._meta.db_table}")
        cursor.execute(f"DELETE FROM {SheetDownload._meta.db_table}")
    Entry.history.all().delete()
    Entry.objects.all().delete()
    Round.objects.all().delete()
    ProjectDepartment.objects.all().delete()
    Project.objects.all().delete()
    Policy.objects.all().delete()
    Goal.objects.all().delete()
    Department.objects.filter(parent__isnull=False).delete()
    Department.objects.all().delete()


def test_the_hierarchy_round_trips_into_an_empty_database(seed):
    files = {
        resource: resource().export().csv
        for resource in (DepartmentResource, GoalResource, PolicyResource, ProjectResource)
    }
    departments = sorted(Department.objects.values_list("name", "parent__name"))
    goals = sorted(Goal.objects.values_list("number", "title", "project_label"))
    policies = sorted(Policy.objects.values_list("goal__number", "order", "title"))
    projects = project_rows()

    empty_the_database()
    assert Department.objects.count() == 0
    for resource, csv_text in files.items():
        reimport(resource(), tablib.Dataset().load(csv_text, format="csv"))

    assert sorted(Department.objects.values_list("name", "parent__name")) == departments
    assert sorted(Goal.objects.values_list("number", "title", "project_label")) == goals
    assert sorted(Policy.objects.values_list("goal__number", "order", "title")) == policies
    assert project_rows() == projects


def test_projects_round_trip_through_xlsx(seed):
    before = project_rows()
    exported = ProjectResource().export()
    assert exported.headers == [
        "総合戦略", "基本目標番号", "基本施策", "表示順", "事業名", "事業内容", "継続/新規", "担当課（主管課が先頭）", "実施中",
    ]
    first = dict(zip(exported.headers, exported[0], strict=True))
    assert first["事業名"] == "女性就労情報提供・支援事業"
    assert first["継続/新規"] == "継続" and first["実施中"] == "はい"
    xlsx = exported.xlsx

    # Someone edits the file: a description, the order of a shared project's departments.
    Project.objects.filter(name="女性就労情報提供・支援事業").update(description="古い説明")
    shared = Project.objects.get(name="多世代居住支援事業")
    shared.project_departments.all().delete()
    ProjectDepartment.objects.create(project=shared, department=Department.objects.get(name="企画課"), position=1)

    result = reimport(ProjectResource(), tablib.Dataset().load(xlsx, format="xlsx"))

    assert project_rows() == before
    assert result.totals["new"] == 0
    assert result.totals["update"] == 2


def test_goals_and_policies_round_trip(seed):
    goals = GoalResource().export()
    policies = PolicyResource().export()
    assert goals.headers == ["総合戦略", "番号", "基本目標", "プロジェクト名"]
    assert policies.headers == ["総合戦略", "基本目標番号", "表示順", "基本施策"]
    Goal.objects.filter(number=1).update(title="変更された目標")
    Policy.objects.filter(title="地域産業を振興する").update(order=9)

    reimport(GoalResource(), tablib.Dataset().load(goals.csv, format="csv"))
    reimport(PolicyResource(), tablib.Dataset().load(policies.csv, format="csv"))

    assert Goal.objects.get(number=1).title == "働きやすいまちをつくる"
    assert Policy.objects.get(title="地域産業を振興する").order == 2


def test_an_unknown_department_is_a_row_error_and_creates_nothing(seed):
    dataset = ProjectResource().export()
    row = list(dataset[0])
    row[dataset.headers.index("担当課（主管課が先頭）")] = "商工観光か"
    row[dataset.headers.index("事業名")] = "新しい事業"
    bad = tablib.Dataset(row, headers=dataset.headers)

    result = ProjectResource().import_data(bad, dry_run=False)

    assert result.has_validation_errors()
    messages = [str(e) for row in result.invalid_rows for e in row.error_dict.values()]
    assert any("商工観光か" in m and "見つかりません" in m for m in messages)
    assert not Department.objects.filter(name="商工観光か").exists()
    assert not Project.objects.filter(name="新しい事業").exists()


def test_an_unknown_policy_is_reported_in_japanese(seed):
    dataset = ProjectResource().export()
    row = list(dataset[0])
    row[dataset.headers.index("基本施策")] = "存在しない施策"
    result = ProjectResource().import_data(tablib.Dataset(row, headers=dataset.headers), dry_run=True)
    # The policy identifies the row, so the error is the row's own rather than a field's.
    messages = [str(error.error) for _number, errors in result.row_errors() for error in errors]
    assert messages == ["基本施策「存在しない施策」が見つかりません。先に登録するか、綴りを確認してください。"]


def test_entries_export_with_japanese_columns_and_wareki(seed):
    dataset = EntryExportResource().export()
    assert len(dataset) == 68
    first = dict(zip(dataset.headers, dataset[0], strict=True))
    assert first["年度"] == "平成29年度"
    assert first["事業名"] == "女性就労情報提供・支援事業"
    assert first["状態"] == "承認済"
    assert first["基本目標"] == "1 働きやすいまちをつくる <しごと応援プロジェクト>"


def test_a_value_too_long_is_reported_under_its_japanese_column(seed):
    # The admin's import page labels each error with its key: it said "name", not 部署名.
    too_long = "長" * 101
    result = DepartmentResource().import_data(tablib.Dataset((too_long, ""), headers=("部署名", "上位の部署")),
                                              dry_run=True)
    assert result.has_validation_errors()
    errors = result.invalid_rows[0].field_specific_errors
    assert list(errors) == ["部署名"] and "100" in errors["部署名"][0]
    assert not Department.objects.filter(name=too_long).exists()

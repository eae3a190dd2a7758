"""A published round never changes: its pages, sheet and exports read the facts it captured when
it was published (or loaded as a past round), while rounds still in progress follow the hierarchy."""

import io
from datetime import timedelta

import pytest
import tablib
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from projects.formats import JapaneseCSV
from projects.models import Department, Goal, Policy, Project, ProjectDepartment, Strategy
from reviews.entries import workflow
from reviews.models import Answer, Entry, Round
from reviews.resources import EntryExportResource
from reviews.rounds import life as rounds
from reviews.sheets.export import export_round
from tests.factories import FILLED

pytestmark = pytest.mark.django_db


def sheet_bytes(round_: Round) -> bytes:
    buffer = io.BytesIO()
    export_round(round_, buffer)
    return buffer.getvalue()


def cell_for_cell(data: bytes) -> dict:
    """Values, merges and styles of every cell, as a person (and Excel) sees the sheet."""
    sheet = load_workbook(io.BytesIO(data)).active
    cells = {}
    for row in sheet.iter_rows():
        for cell in row:
            cells[cell.coordinate] = (
                cell.value, cell.data_type, cell.font.name, cell.font.b, cell.font.sz, cell.fill.fgColor.rgb,
                getattr(cell.border.left, "style", None), cell.alignment.wrap_text, cell.alignment.horizontal,
            )
    return {"cells": cells, "merges": sorted(str(r) for r in sheet.merged_cells.ranges),
            "title": sheet.title, "heights": {r: d.height for r, d in sheet.row_dimensions.items()}}


def rename_everything() -> None:
    """What an administrator does in the admin a year later: a project rewritten, a department
    renamed, a goal retitled, a policy reworded, the strategy renamed, projects reordered."""
    project = Project.objects.get(name="企業等誘致事業")
    project.name, project.description, project.category = "企業誘致推進事業", "新しい事業内容", Project.Category.NEW
    project.save()
    Department.objects.filter(name="商工観光課").update(name="産業振興課")
    Goal.objects.filter(number=1).update(title="新しい基本目標", project_label="新プロジェクト")
    Policy.objects.filter(pk=project.policy_id).update(title="書き換えた基本施策")
    Strategy.objects.update(name="入間市デジタル田園都市国家構想総合戦略")
    other = ProjectDepartment.objects.filter(project=project).first()
    ProjectDepartment.objects.create(project=project, department=Department.objects.get(name="企画課"),
                                     position=other.position + 1)


def test_a_published_rounds_sheet_is_the_same_cell_for_cell_after_the_hierarchy_is_edited(open_round):
    published = Round.objects.get(fiscal_year=2017)
    before = cell_for_cell(sheet_bytes(published))

    rename_everything()

    assert cell_for_cell(sheet_bytes(published)) == before
    open_sheet = load_workbook(io.BytesIO(sheet_bytes(Round.objects.get(pk=open_round.pk)))).active
    values = [cell.value for row in open_sheet.iter_rows() for cell in row if cell.value]
    assert any(str(v).startswith("企業誘致推進事業") for v in values)
    assert "産業振興課" in values and any("新しい基本目標" in str(v) for v in values)
    assert open_sheet["A1"].value.startswith("入間市デジタル田園都市国家構想総合戦略")


def test_a_published_rounds_pages_show_the_names_of_that_year_and_an_open_round_the_new_ones(
        client, open_round, reviewer):
    published_entry = Entry.objects.get(round__fiscal_year=2017, project__name="企業等誘致事業")
    open_entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    rename_everything()
    client.force_login(reviewer)

    page = client.get(reverse("reviews:entry", args=[published_entry.pk])).content.decode()
    assert "企業等誘致事業" in page and "商工観光課" in page and "企業誘致推進事業" not in page
    listing = client.get(reverse("reviews:round", args=[published_entry.round_id])).content.decode()
    assert "企業等誘致事業" in listing and "新しい基本目標" not in listing and "働きやすいまちをつくる" in listing

    page = client.get(reverse("reviews:entry", args=[open_entry.pk])).content.decode()
    assert "企業誘致推進事業" in page and "産業振興課" in page and "新しい事業内容" in page


def test_the_flat_export_of_a_published_round_shows_what_was_published(open_round):
    rename_everything()
    text = JapaneseCSV().export_data(EntryExportResource().export()).decode("utf-8-sig")
    rows = list(tablib.Dataset().load(text, format="csv"))
    old = [r for r in rows if r[0] == "平成29年度" and r[3] == "企業等誘致事業"]
    new = [r for r in rows if r[0] == "平成30年度" and r[3] == "企業誘致推進事業"]
    assert len(old) == 1 and old[0][9] == "商工観光課" and old[0][4] == "継続"
    assert len(new) == 1 and new[0][9] == "産業振興課\n企画課" and new[0][4] == "新規"


def test_the_summary_of_a_published_round_counts_by_the_goals_and_departments_it_published(
    client, open_round, reviewer
):
    rename_everything()
    client.force_login(reviewer)
    summary = client.get(reverse("reviews:round-summary", args=[Round.objects.get(fiscal_year=2017).pk])).context["summary"]
    goals = summary.goals
    assert [(g.key[0], g.counts.A, g.counts.B, g.counts.C, g.counts.D) for g in goals] == [
        (1, 11, 3, 1, 3), (2, 2, 1, 2, 1), (3, 23, 4, 2, 3), (4, 8, 1, 3, 0)]
    assert goals[0].label == "1 働きやすいまちをつくる <しごと応援プロジェクト>"
    assert "商工観光課" in [row.label for row in summary.departments]
    assert "産業振興課" not in [row.label for row in summary.departments]
    assert summary.round.strategy_name == "入間市まち・ひと・しごと創生総合戦略"


def test_publishing_a_round_captures_its_facts(open_round, staff_a, reviewer, reviewer2):
    for entry in Entry.objects.filter(round=open_round).select_related("project"):
        Entry.objects.filter(pk=entry.pk).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=open_round).update(state=Entry.State.APPROVED, text="対応します。")  # the demo's
    assert not Entry.objects.filter(round=open_round).exclude(published_facts={}).exists()
    rounds.change_state(open_round, "publish", by=reviewer)
    before = cell_for_cell(sheet_bytes(open_round))
    rename_everything()
    round_ = Round.objects.get(pk=open_round.pk)
    assert round_.published_strategy_name == "入間市まち・ひと・しごと創生総合戦略"
    assert cell_for_cell(sheet_bytes(round_)) == before


def test_a_past_round_loaded_from_its_sheet_captures_the_sheet_as_printed(seed):
    # The seed is loaded as a past round through the sheet loader: its entries carry what it printed.
    entry = Entry.objects.get(round__fiscal_year=2017, project__name="企業等誘致事業")
    assert entry.published_facts["project_name"] == "企業等誘致事業"
    assert entry.published_facts["departments"] == ["商工観光課"]
    assert entry.published_facts["goal_number"] == 1
    assert Round.objects.get(fiscal_year=2017).published_strategy_name == "入間市まち・ひと・しごと創生総合戦略"


def test_nothing_in_the_admin_changes_what_a_published_round_captured(client, seed, admin_user):
    client.force_login(admin_user)
    entry = Entry.objects.filter(round__fiscal_year=2017).first()
    page = client.get(reverse("admin:reviews_entry_change", args=[entry.pk])).content.decode()
    assert 'name="published_facts"' not in page
    round_ = Round.objects.get(fiscal_year=2017)
    response = client.post(reverse("admin:reviews_round_change", args=[round_.pk]),
                           {"title": "書き換え", "published_strategy_name": "別の戦略", "legend": "別の凡例"})
    round_.refresh_from_db()
    assert response.status_code in (200, 302, 403)
    assert round_.title == "平成29年度 実施事業評価" and round_.published_strategy_name != "別の戦略"


def test_an_open_rounds_entries_capture_nothing_until_it_is_published(open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    rounds.set_deadline(open_round, timezone.localdate() + timedelta(days=3), by=None, system=True)
    assert not Entry.objects.filter(round=open_round).exclude(published_facts={}).exists()


def test_the_progress_page_of_a_published_round_names_the_departments_it_published(client, open_round, reviewer):
    rename_everything()
    client.force_login(reviewer)
    published = client.get(reverse("reviews:progress", args=[Round.objects.get(fiscal_year=2017).pk]))
    names = [d.name for d in published.context["departments"]]
    assert "商工観光課" in names and "産業振興課" not in names
    assert "商工観光課" in published.content.decode()  # shown without a link: that name is gone now
    current = client.get(reverse("reviews:progress", args=[open_round.pk]))
    assert "産業振興課" in [d.name for d in current.context["departments"]]


def test_a_published_rounds_goal_filter_offers_only_the_goals_it_published(client, open_round, reviewer):
    Goal.objects.create(strategy=Strategy.objects.get(), number=9, title="後から加えた目標")
    client.force_login(reviewer)
    form = client.get(reverse("reviews:round", args=[Round.objects.get(fiscal_year=2017).pk])).context["form"]
    labels = [label for _, label in form.fields["goal"].choices]
    assert not any("後から加えた目標" in label for label in labels) and len(labels) == 5  # すべて + 4


def test_the_admins_history_page_cannot_revert_an_entry_of_a_published_round(client, seed, admin_user):
    entry = Entry.objects.filter(round__fiscal_year=2017).first()
    before = Entry.objects.filter(pk=entry.pk).values().get()
    record = entry.history.first()
    client.force_login(admin_user)
    url = reverse("admin:reviews_entry_simple_history", args=[entry.pk, record.history_id])
    assert client.get(url).status_code == 200  # an old version can be read
    response = client.post(url, {"status": "D", "state": "draft", "implementation": "書き換え", "evaluation": "",
                                 "future_policy": "", "memo": "", "version": 1, "memo_version": 1})
    assert response.status_code == 403
    assert Entry.objects.filter(pk=entry.pk).values().get() == before

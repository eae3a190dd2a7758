"""A review of the open round's provisional summary kept by each server (reviews.results.summary):
whatever a department, a reviewer or an administrator does, and in whatever order their requests
meet, the summary is what a fresh count says; only the planning division sees it before publication;
hostile names stay text."""

import io
from dataclasses import asdict

import pytest
from django.urls import reverse

from projects.models import Department, Project
from reviews.changes import departments as department_changes
from reviews.changes import projects as project_changes
from reviews.entries import workflow
from reviews.models import Entry, Round
from reviews.results import summary as summaries
from reviews.results.summary import round_summary
from reviews.rounds import life
from reviews.rounds.life import previous_round
from tests.factories import FILLED, make_round

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror=alert("事業")>&amp;'


def fresh(round_) -> dict:
    return asdict(summaries._summary(round_, previous_round(round_), False))


def same_as_counted_afresh(round_) -> dict:
    """The summary a reviewer gets now, after checking it against a fresh count."""
    round_ = Round.objects.get(pk=round_.pk)  # as the next request reads it
    kept = asdict(round_summary(round_))
    assert kept == fresh(round_)
    return kept


def ours(open_round) -> list[Entry]:
    return list(Entry.objects.filter(round=open_round, project__departments__name="商工観光課").order_by("pk"))


def letters(summary: dict) -> tuple[int, int, int, int]:
    total = summary["total"]
    return (total["A"], total["B"], total["C"], total["D"])


def test_a_submission_landing_while_a_reviewer_is_counted_is_not_kept_for_a_state_it_never_had(
        open_round, staff_a, reviewer, monkeypatch):
    """A reviewer opens the summary while nothing is counted yet; the count takes a while (70 ms at
    a big city), and a department's submission commits in the middle of it. Then the department
    withdraws it: the counted entries are what they were when the reviewer's request began, and the
    summary must say so, not the counts of the moment in between, for five minutes."""
    first = ours(open_round)[0]
    original = summaries._summary
    met = []

    def submitted_meanwhile(*args, **kwargs):
        if not met:
            met.append(1)
            entry = Entry.objects.get(pk=first.pk)
            workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True,
                            texts={**FILLED, "status": "A"})
        return original(*args, **kwargs)

    monkeypatch.setattr(summaries, "_summary", submitted_meanwhile)
    round_summary(Round.objects.get(pk=open_round.pk))  # the reviewer's request, with the submission inside
    monkeypatch.setattr(summaries, "_summary", original)
    assert letters(same_as_counted_afresh(open_round)) == (1, 0, 0, 0)

    entry = Entry.objects.get(pk=first.pk)
    workflow.withdraw(entry, by=staff_a, version=entry.version)
    assert letters(same_as_counted_afresh(open_round)) == (0, 0, 0, 0)


def test_a_return_landing_while_a_reviewer_is_counted_is_not_kept_either(open_round, staff_a, reviewer, monkeypatch):
    first, second = ours(open_round)[:2]
    for entry, letter in ((first, "B"), (second, "C")):
        workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True, texts={**FILLED, "status": letter})
    original = summaries._summary
    met = []

    def returned_meanwhile(*args, **kwargs):
        if not met:
            met.append(1)
            entry = Entry.objects.get(pk=second.pk)
            workflow.return_entry(entry, by=reviewer, version=entry.version, comment="確認してください")
        return original(*args, **kwargs)

    monkeypatch.setattr(summaries, "_summary", returned_meanwhile)
    round_summary(Round.objects.get(pk=open_round.pk))
    monkeypatch.setattr(summaries, "_summary", original)
    assert letters(same_as_counted_afresh(open_round)) == (0, 1, 0, 0)
    # The department resubmits it unchanged: the reviewer sees both again.
    entry = Entry.objects.get(pk=second.pk)
    workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True)
    assert letters(same_as_counted_afresh(open_round)) == (0, 1, 1, 0)


def test_every_transition_on_counted_and_uncounted_entries_shows_at_once(open_round, staff_a, reviewer, reviewer2):
    first, second, third = ours(open_round)[:3]
    same_as_counted_afresh(open_round)
    steps = [
        lambda e: workflow.save_draft(e, by=staff_a, version=e.version, **{**FILLED, "status": "C"}),
        lambda e: workflow.submit(e, by=staff_a, version=e.version, confirmed=True),
        lambda e: workflow.save_memo(e, by=reviewer, version=e.memo_version, memo="確認中"),
        lambda e: workflow.correct(e, by=reviewer, version=e.version, status="A"),
        lambda e: workflow.approve(e, by=reviewer2, version=e.version),
        lambda e: workflow.reopen(e, by=reviewer, version=e.version, comment="見直し"),
        lambda e: workflow.save_draft(e, by=staff_a, version=e.version, status="D",
                                      implementation="未実施。実施していない。"),
        lambda e: workflow.submit(e, by=staff_a, version=e.version, confirmed=True),
        lambda e: workflow.withdraw(e, by=staff_a, version=e.version),
        lambda e: workflow.submit(e, by=staff_a, version=e.version, confirmed=True),
    ]
    for entry in (first, second, third):
        for step in steps:
            entry.refresh_from_db()
            step(entry)
            same_as_counted_afresh(open_round)
    assert letters(same_as_counted_afresh(open_round)) == (0, 0, 0, 3)
    second.refresh_from_db()
    workflow.return_entry(second, by=reviewer, version=second.version, comment="直してください")
    assert letters(same_as_counted_afresh(open_round)) == (0, 0, 0, 2)


def test_guided_changes_and_admin_edits_of_the_hierarchy_show_at_once(client, open_round, staff_a, admin_user):
    first, second = ours(open_round)[:2]
    for entry in (first, second):
        workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True, texts={**FILLED, "status": "B"})
    assert [row["label"] for row in same_as_counted_afresh(open_round)["departments"]] == ["商工観光課"]

    shoko = Department.objects.get(name="商工観光課")
    department_changes.rename_department(shoko, name="産業振興課", year=2018, by=admin_user, reason="組織改正")
    assert [row["label"] for row in same_as_counted_afresh(open_round)["departments"]] == ["産業振興課"]

    hoken = Department.objects.get(name="地域保健課")
    department_changes.change_project_departments(Project.objects.get(pk=first.project_id), [hoken], year=2018,
                                                  by=admin_user, reason="移管")
    assert sorted(row["label"] for row in same_as_counted_afresh(open_round)["departments"]) == ["地域保健課", "産業振興課"]

    department_changes.merge_departments([Department.objects.get(pk=shoko.pk), hoken], new_name="産業保健部",
                                         year=2018, by=admin_user, reason="統合")
    assert [row["label"] for row in same_as_counted_afresh(open_round)["departments"]] == ["産業保健部"]

    project_changes.rename_project(Project.objects.get(pk=second.project_id), name="改名した事業", year=2018,
                                   by=admin_user, reason="名称変更")
    same_as_counted_afresh(open_round)

    # The administrator renames a goal in the admin: the goal's row says so at once.
    goal = Project.objects.get(pk=first.project_id).policy.goal
    client.force_login(admin_user)
    url = reverse("admin:projects_goal_change", args=[goal.pk])
    context = client.get(url).context
    form = context["adminform"].form
    data = {form.add_prefix(name): form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
    data["title"] = "新しい基本目標の名前"
    response = client.post(url, data)
    assert response.status_code == 302
    summary = same_as_counted_afresh(open_round)
    assert any("新しい基本目標の名前" in row["label"] for row in summary["goals"])


def test_a_sheet_upload_of_drafts_changes_nothing_counted_and_shows_what_it_changes(open_round, staff_a):
    from reviews.sheets.export import export_round
    from reviews.sheets.loading import import_update
    from reviews.sheets.workbook.reader import read_sheet

    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    before = same_as_counted_afresh(open_round)
    shoko = Department.objects.get(name="商工観光課")
    buffer = io.BytesIO()
    export_round(open_round, buffer, department=shoko)
    document = read_sheet(buffer.getvalue()).document
    for project in document.projects():
        project.evaluation = "入力表で書いた評価"
    result = import_update(document, open_round, by=staff_a, department=shoko)
    assert result.applied or result.errors
    assert letters(same_as_counted_afresh(open_round)) == letters(before)


def test_closing_reopening_and_publishing_show_at_once(open_round, staff_a, reviewer):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    same_as_counted_afresh(open_round)
    life.change_state(Round.objects.get(pk=open_round.pk), "close", by=reviewer)
    assert same_as_counted_afresh(open_round)["provisional"]
    life.change_state(Round.objects.get(pk=open_round.pk), "reopen", by=reviewer)
    same_as_counted_afresh(open_round)
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, status="B")
    open_round.answers.update(state=Entry.State.APPROVED, text="対応します")
    open_round.kpi_actuals.update(state=Entry.State.APPROVED)
    life.change_state(Round.objects.get(pk=open_round.pk), "publish", by=reviewer)
    published = same_as_counted_afresh(open_round)
    assert not published["provisional"] and published["total"]["B"] == published["entry_count"]


def test_a_new_round_before_the_open_one_changes_what_it_is_compared_with(open_round, staff_a, reviewer):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    assert same_as_counted_afresh(open_round)["change"]["previous"].fiscal_year == 2017
    earlier = make_round(2016, state=Round.State.PUBLISHED)
    Round.objects.filter(pk=Round.objects.get(fiscal_year=2017).pk).update(fiscal_year=2015)  # no signal, no stamp
    assert previous_round(open_round).pk == earlier.pk
    assert same_as_counted_afresh(open_round)["change"]["previous"].pk == earlier.pk


def test_only_the_planning_division_sees_the_provisional_summary_even_when_kept(client, open_round, staff_a,
                                                                               reviewer, admin_user):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    url = reverse("reviews:round-summary", args=[open_round.pk])
    download = reverse("reviews:round-summary-download", args=[open_round.pk])
    for person in (reviewer, admin_user):
        client.force_login(person)
        assert client.get(url).status_code == 200
        assert client.get(download).status_code == 200
    client.force_login(staff_a)
    for address in (url, download):
        response = client.get(address)
        assert response.status_code == 403
        assert "この集計は暫定です" not in response.content.decode()
    client.logout()
    assert client.get(url).status_code == 302
    # Nor the public side, which shows published rounds only.
    assert client.get(reverse("public:summary", args=["senryaku-2015", 2018])).status_code == 404


def test_a_hostile_project_name_stays_text_on_the_kept_summary(client, open_round, staff_a, reviewer, admin_user):
    first = ours(open_round)[0]
    workflow.submit(first, by=staff_a, version=first.version, confirmed=True, texts={**FILLED, "status": "A"})
    client.force_login(reviewer)
    url = reverse("reviews:round-summary", args=[open_round.pk])
    assert client.get(url).status_code == 200
    shoko = Department.objects.get(name="商工観光課")
    # Without spaces: a department's name may not hold one (the sheet splits 担当課 on them).
    hostile_department = '<img/src=x/onerror=alert("課")>&'
    department_changes.rename_department(shoko, name=hostile_department, year=2018, by=admin_user, reason="試験")
    for _ in range(2):  # counted afresh, then kept
        body = client.get(url).content.decode()
        assert '<img/src=x' not in body
        assert "&lt;img/src=x/onerror=alert(" in body


def test_a_round_without_entries_has_an_empty_summary_page(client, seed, reviewer):
    preparing = make_round(2030, state=Round.State.PREPARING)
    client.force_login(reviewer)
    url = reverse("reviews:round-summary", args=[preparing.pk])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "まだ数えられる評価がありません" in response.content.decode()

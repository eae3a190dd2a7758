"""A review of progress kept by each server (reviews.rounds.progress.kept_department_progress): whatever
a department, a reviewer or an administrator does, the page shows what a fresh count shows, never what
was kept from before; nobody without the right sees it; hostile names stay text."""

import threading
from dataclasses import asdict
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import Department, Project
from reviews import kept as keepers
from reviews.changes import departments as department_changes
from reviews.changes import projects as project_changes
from reviews.entries import workflow
from reviews.models import Entry, Round
from reviews.rounds import life
from reviews.rounds.progress import department_progress, kept_department_progress
from tests.factories import FILLED, make_department, make_entry, make_round

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("課")</script>&amp;'


def same_as_counted_afresh(round_, today=None) -> list:
    """The kept rows, after checking them against a fresh count of the same round object."""
    today = today or timezone.localdate()
    round_ = Round.objects.get(pk=round_.pk)  # as the next request reads it
    kept = [asdict(row) for row in kept_department_progress(round_, today)]
    assert kept == [asdict(row) for row in department_progress(round_, today)]
    return kept


def ours(open_round) -> list[Entry]:
    return list(Entry.objects.filter(round=open_round, project__departments__name="商工観光課").order_by("pk"))


def row_of(rows: list[dict], name: str) -> dict:
    return next(row for row in rows if row["name"] == name)


def test_a_department_and_a_reviewer_going_through_every_transition_never_see_old_rows(
        open_round, staff_a, reviewer, reviewer2):
    first, second, third = ours(open_round)[:3]
    same_as_counted_afresh(open_round)
    steps = [
        lambda e: workflow.save_draft(e, by=staff_a, version=e.version, **FILLED),
        lambda e: workflow.submit(e, by=staff_a, version=e.version, confirmed=True),
        lambda e: workflow.withdraw(e, by=staff_a, version=e.version),
        lambda e: workflow.submit(e, by=staff_a, version=e.version, confirmed=True),
        lambda e: workflow.save_memo(e, by=reviewer, version=e.memo_version, memo="確認中"),
        lambda e: workflow.correct(e, by=reviewer, version=e.version, status="B"),
        lambda e: workflow.approve(e, by=reviewer2, version=e.version),
        lambda e: workflow.reopen(e, by=reviewer, version=e.version, comment="見直し"),
        lambda e: workflow.submit(e, by=staff_a, version=e.version, confirmed=True),
        lambda e: workflow.return_entry(e, by=reviewer, version=e.version, comment="直してください"),
    ]
    for entry in (first, second):
        for step in steps:
            entry.refresh_from_db()
            step(entry)
            same_as_counted_afresh(open_round)
    third.refresh_from_db()
    workflow.save_memo(third, by=reviewer, version=third.memo_version, memo="まだ手つかず")
    rows = same_as_counted_afresh(open_round)
    assert row_of(rows, "商工観光課")["counts"]["returned"] == 2


def test_a_save_landing_while_a_reviewer_is_counted_is_followed_by_the_next_request(
        open_round, staff_a, monkeypatch):
    """A department submits while a reviewer's progress is being counted; the next request sees the
    submission, and after a withdrawal the withdrawal (the key only moves forward: every save is newer)."""
    from reviews.rounds import progress as progress_of

    first = ours(open_round)[0]
    original = progress_of.department_progress
    met = []

    def submitted_meanwhile(*args, **kwargs):
        if not met:
            met.append(1)
            entry = Entry.objects.get(pk=first.pk)
            workflow.submit(entry, by=staff_a, version=entry.version, confirmed=True, texts=FILLED)
        return original(*args, **kwargs)

    monkeypatch.setattr(progress_of, "department_progress", submitted_meanwhile)
    kept_department_progress(Round.objects.get(pk=open_round.pk), timezone.localdate())
    monkeypatch.setattr(progress_of, "department_progress", original)
    assert row_of(same_as_counted_afresh(open_round), "商工観光課")["counts"]["submitted"] == 1
    entry = Entry.objects.get(pk=first.pk)
    workflow.withdraw(entry, by=staff_a, version=entry.version)
    assert row_of(same_as_counted_afresh(open_round), "商工観光課")["counts"]["submitted"] == 0


def test_the_round_deadline_extensions_and_state_show_at_once(open_round, reviewer):
    shoko = Department.objects.get(name="商工観光課")
    after = open_round.deadline + timedelta(days=1)
    assert all(row["late"] for row in same_as_counted_afresh(open_round, after))
    life.extend_deadline(open_round, shoko, open_round.deadline + timedelta(days=10), by=reviewer)
    assert not row_of(same_as_counted_afresh(open_round, after), "商工観光課")["late"]
    # The same extension moved later and back again: the rows follow each time.
    life.extend_deadline(open_round, shoko, open_round.deadline + timedelta(days=20), by=reviewer)
    same_as_counted_afresh(open_round, after)
    life.extend_deadline(open_round, shoko, open_round.deadline + timedelta(days=10), by=reviewer)
    assert row_of(same_as_counted_afresh(open_round, after), "商工観光課")["deadline"] == \
        open_round.deadline + timedelta(days=10)
    life.set_deadline(Round.objects.get(pk=open_round.pk), open_round.deadline + timedelta(days=5), by=reviewer)
    same_as_counted_afresh(open_round, after)
    life.change_state(Round.objects.get(pk=open_round.pk), "close", by=reviewer)
    closed = same_as_counted_afresh(open_round, open_round.deadline + timedelta(days=40))
    assert not any(row["late"] for row in closed)  # a closed round is late for nobody
    life.change_state(Round.objects.get(pk=open_round.pk), "reopen", by=reviewer)
    assert any(row["late"] for row in same_as_counted_afresh(open_round, open_round.deadline + timedelta(days=40)))


def test_an_extension_for_a_parent_stops_reaching_a_unit_moved_away_by_a_merge(open_round, reviewer, admin_user):
    """A merge moves sub-units under the new department with a queryset update (no signal of its own)."""
    division = make_department("産業部")
    shoko = Department.objects.get(name="商工観光課")
    shoko.parent = division
    shoko.save()
    life.extend_deadline(open_round, division, open_round.deadline + timedelta(days=14), by=reviewer)
    after = open_round.deadline + timedelta(days=1)
    assert not row_of(same_as_counted_afresh(open_round, after), "商工観光課")["late"]

    department_changes.merge_departments([division], into=Department.objects.get(name="地域保健課"),
                                         year=2018, by=admin_user, reason="部の統合")
    assert Department.objects.get(pk=shoko.pk).parent.name == "地域保健課"
    assert row_of(same_as_counted_afresh(open_round, after), "商工観光課")["late"]  # no longer extended


def test_guided_changes_of_the_rounds_year_show_at_once(open_round, admin_user, staff_a):
    shoko = Department.objects.get(name="商工観光課")
    before = same_as_counted_afresh(open_round)
    department_changes.rename_department(shoko, name="産業振興課", year=2018, by=admin_user, reason="組織改正")
    rows = same_as_counted_afresh(open_round)
    assert "産業振興課" in [row["name"] for row in rows] and "商工観光課" not in [row["name"] for row in rows]

    project = Project.objects.filter(departments=shoko).order_by("pk").first()
    kouhou = Department.objects.get(name="地域保健課")
    department_changes.change_project_departments(project, [kouhou], year=2018, by=admin_user, reason="移管")
    rows = same_as_counted_afresh(open_round)
    assert row_of(rows, "産業振興課")["total"] == row_of(before, "商工観光課")["total"] - 1

    project_changes.rename_project(Project.objects.get(pk=project.pk), name="改名した事業", year=2018,
                                   by=admin_user, reason="名称変更")
    same_as_counted_afresh(open_round)
    department_changes.merge_departments([Department.objects.get(pk=shoko.pk), kouhou], new_name="産業保健部",
                                         year=2018, by=admin_user, reason="統合")
    rows = same_as_counted_afresh(open_round)
    assert "産業保健部" in [row["name"] for row in rows]


def admin_save(client, url: str, **changes) -> None:
    """The admin's change form posted as the page shows it, with ``changes``."""
    context = client.get(url).context
    data = {}
    form = context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[form.add_prefix(name)] = value
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for child in formset.forms:
            for name in child.fields:
                value = child[name].value()
                if value is not None:
                    data[child.add_prefix(name)] = value
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        str(e) for e in [response.context["adminform"].form.errors, response.context.get("errors")]]


def test_an_administrator_editing_departments_and_rounds_in_the_admin_is_seen_at_once(
        client, open_round, admin_user, reviewer):
    """The admin renames nothing (guided changes do) but moves a unit under another department and
    changes a round's deadline: an extension for the new parent reaches the unit at once."""
    division = make_department("産業部")
    shoko = Department.objects.get(name="商工観光課")
    kouhou = Department.objects.get(name="地域保健課")
    kouhou.parent = division
    kouhou.save()
    life.extend_deadline(open_round, division, open_round.deadline + timedelta(days=14), by=reviewer)
    after = open_round.deadline + timedelta(days=1)
    assert row_of(same_as_counted_afresh(open_round, after), "商工観光課")["late"]
    client.force_login(admin_user)
    admin_save(client, reverse("admin:projects_department_change", args=[shoko.pk]), parent=str(division.pk))
    assert Department.objects.get(pk=shoko.pk).parent_id == division.pk
    assert not row_of(same_as_counted_afresh(open_round, after), "商工観光課")["late"]

    # A round in preparation is the one the admin edits: its deadline shows on its progress at once.
    preparing = make_round(2019, state=Round.State.PREPARING, deadline=timezone.localdate() + timedelta(days=3))
    make_entry(preparing, Project.objects.filter(departments=shoko).first())
    assert not any(row["late"] for row in same_as_counted_afresh(preparing))
    admin_save(client, reverse("admin:reviews_round_change", args=[preparing.pk]),
               deadline=(timezone.localdate() + timedelta(days=9)).isoformat())
    assert row_of(same_as_counted_afresh(preparing), "商工観光課")["deadline"] == \
        timezone.localdate() + timedelta(days=9)


def test_a_sheet_uploaded_by_a_department_shows_at_once(open_round, staff_a):
    import io

    from reviews.sheets.export import export_round
    from reviews.sheets.loading import import_update
    from reviews.sheets.workbook.reader import read_sheet

    shoko = Department.objects.get(name="商工観光課")
    assert row_of(same_as_counted_afresh(open_round), "商工観光課")["last_worked"] is None
    buffer = io.BytesIO()
    export_round(open_round, buffer, department=shoko)
    document = read_sheet(buffer.getvalue()).document
    next(iter(document.projects())).evaluation = "入力表で書いた評価"
    result = import_update(document, open_round, by=staff_a, department=shoko)
    assert result.applied, [str(e) for e in result.errors]
    assert row_of(same_as_counted_afresh(open_round), "商工観光課")["last_worked"] is not None


def test_a_round_published_after_every_entry_is_approved_shows_its_captured_rows(open_round, staff_a, reviewer):
    # The 2018 round: every entry approved as the planning division does at the end of the year.
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, status="B")
    open_round.answers.update(state=Entry.State.APPROVED, text="対応します")
    open_round.kpi_actuals.update(state=Entry.State.APPROVED)
    same_as_counted_afresh(open_round)
    life.change_state(Round.objects.get(pk=open_round.pk), "publish", by=reviewer)
    published = Round.objects.get(pk=open_round.pk)
    assert published.state == Round.State.PUBLISHED
    rows = same_as_counted_afresh(published)
    assert sum(row["counts"]["approved"] for row in rows) >= 68
    Department.objects.filter(name="商工観光課").update(name="改名後の課")  # captured names stay
    Department.objects.get(name="改名後の課").save()
    assert "商工観光課" in [row["name"] for row in same_as_counted_afresh(published)]


def test_only_reviewers_open_progress_even_when_it_is_kept(client, open_round, reviewer, staff_a):
    url = reverse("reviews:progress", args=[open_round.pk])
    client.force_login(reviewer)
    assert client.get(url).status_code == 200  # now kept
    client.force_login(staff_a)
    response = client.get(url)
    assert response.status_code == 403
    assert "担当課ごとの状況" not in response.content.decode()
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_hostile_department_name_stays_text_on_the_kept_page(client, open_round, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:progress", args=[open_round.pk])
    assert client.get(url).status_code == 200
    shoko = Department.objects.get(name="商工観光課")
    shoko.name = HOSTILE
    shoko.save()
    for _ in range(2):  # counted afresh, then kept
        body = client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;alert(&quot;課&quot;)&lt;/script&gt;&amp;amp;" in body


def test_a_round_without_entries_and_a_page_out_of_range_do_not_fail(client, seed, reviewer):
    preparing = make_round(2030, state=Round.State.PREPARING)
    assert kept_department_progress(preparing, timezone.localdate()) == []
    client.force_login(reviewer)
    url = reverse("reviews:progress", args=[preparing.pk])
    assert client.get(url).status_code == 200
    assert client.get(url, {"page": "999"}).status_code == 200
    assert client.get(url, {"page": "x"}).status_code == 200


def test_many_reviewers_at_once_share_one_keeper_without_losing_or_mixing_values():
    keeper = keepers.Keeper(8)
    errors: list[BaseException] = []
    made = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                key = (n + i) % 20
                value = keeper.get(key, lambda key=key: made.append(key) or ("value", key))
                assert value == ("value", key)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(keeper._kept) <= 8
    keepers._keepers.remove(keeper)

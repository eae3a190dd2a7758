"""What an outside review of the strategy's memory found, each as the story that caught it."""

from decimal import Decimal as D

import pytest

from projects.models import Department, Goal, Kpi, Project, ProjectSuccession
from reviews.changes import carry
from reviews.changes import departments as dchanges
from reviews.changes import projects as pchanges
from reviews.changes.common import ChangeError
from reviews.entries import workflow
from reviews.models import Answer, Entry, KpiActual, Notification, Opinion, Round
from reviews.public.opendata import kpi_records
from reviews.rounds import life
from tests.factories import FILLED, make_department, make_user

KIDS = "キッズアカデミー（子供向け経済・産業講座）"


def next_round(previous: Round, year: int) -> Round:
    return life.create_round(previous, by=None, system=True, fiscal_year=year, title=f"{year}年度", legend="",
                             implementation_heading=f"{year}年度の実施内容", deadline=None)


def test_a_carry_from_fy2020_leaves_the_first_periods_fy2019_round_with_all_its_projects(open_round, admin_user):
    old = open_round.strategy
    goals = carry.parse_hierarchy(carry.hierarchy_text(old))
    carry.carry_strategy(old, carry.NewStrategy("第2期入間市総合戦略", "senryaku-2020", 2020, 2024), goals,
                         carry.default_mapping(old, goals), by=admin_user, reason="第2期の策定")
    fy2019 = next_round(open_round, 2019)
    assert fy2019.entries.count() == 68
    assert not Entry.objects.filter(round__strategy=old, round__fiscal_year=2019, project__policy__goal__strategy__code="senryaku-2020").exists()


def test_a_project_retired_from_fy2020_is_still_in_the_fy2019_round_and_not_after(open_round, admin_user):
    project = Project.objects.get(name=KIDS)
    pchanges.retire_project(project, year=2020, by=admin_user, reason="終了")
    fy2019 = next_round(open_round, 2019)
    assert Entry.objects.filter(round=fy2019, project=project).exists()
    fy2020 = next_round(fy2019, 2020)
    assert not Entry.objects.filter(round=fy2020, project=project).exists()


def test_a_carry_from_a_year_the_old_strategy_already_has_a_round_of_is_refused(open_round, admin_user):
    old = open_round.strategy
    goals = carry.parse_hierarchy(carry.hierarchy_text(old))
    with pytest.raises(ChangeError, match="平成30年度の評価回（受付中）があります"):
        carry.carry_strategy(old, carry.NewStrategy("第2期", "", 2018, None), goals, carry.default_mapping(old, goals),
                             by=admin_user, reason="r")
    assert Project.objects.filter(active=True).count() == 68


def test_after_a_move_a_return_notifies_the_department_that_ran_the_project_that_year(
        django_capture_on_commit_callbacks, open_round, admin_user, staff_a, reviewer):
    make_user("koho", "広報課")
    project = Project.objects.get(name="企業等誘致事業")
    dchanges.change_project_departments(project, [Department.objects.get(name="広報課")], year=2019,
                                        by=admin_user, reason="移管")
    entry = Entry.objects.get(round=open_round, project=project)
    staff_a = type(staff_a).objects.get(pk=staff_a.pk)
    entry = workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    entry = workflow.submit(entry, by=staff_a, version=entry.version)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_entry(entry, by=reviewer, version=entry.version, comment="直してください")
    assert "staff_a" in set(Notification.objects.values_list("user__username", flat=True))


def test_a_split_hands_each_projects_kpi_and_answer_to_the_part_that_took_the_project(open_round, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    project = Project.objects.get(name="企業等誘致事業")
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT, project=project, name="誘致件数",
                             unit="件", direction=Kpi.Direction.HIGHER, baseline_value=D(2), baseline_year=2014,
                             target_value=D(10), target_year=2019, department=shoko)
    goal_kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.GOAL, goal=Goal.objects.get(number=1),
                                  name="事業所数", unit="所", direction=Kpi.Direction.HIGHER, baseline_value=D(1),
                                  baseline_year=2014, target_value=D(2), target_year=2019, department=shoko)
    opinion = Opinion.objects.create(round=Round.objects.get(fiscal_year=2017), subject=Opinion.Subject.PROJECT,
                                     project=project, text="意見")
    opinion.departments.set([shoko])
    answer = Answer.objects.create(opinion=opinion, department=shoko, department_name="商工観光課", round=open_round)
    parts = dchanges.split_parts(shoko, ["産業振興課", "観光課"])
    projects = {p.pk: (1 if p == project else 0) for p in dchanges.projects_to_assign(shoko, 2019)}
    dchanges.split_department(shoko, parts, projects=projects, members={}, children={}, year=2019, by=admin_user,
                              reason="分割")
    assert Kpi.objects.get(pk=kpi.pk).department.name == "観光課"
    assert Kpi.objects.get(pk=goal_kpi.pk).department.name == "産業振興課"
    assert Answer.objects.get(pk=answer.pk).department.name == "観光課"


def test_after_a_split_an_opinion_on_one_project_is_owed_by_the_part_that_runs_it(seed, admin_user):
    fy2017 = Round.objects.get(fiscal_year=2017)
    shoko = Department.objects.get(name="商工観光課")
    project = Project.objects.get(name="企業等誘致事業")
    opinion = Opinion.objects.create(round=fy2017, subject=Opinion.Subject.PROJECT, project=project, text="意見")
    opinion.departments.set([shoko])
    parts = dchanges.split_parts(shoko, ["産業振興課", "観光課"])
    projects = {p.pk: (1 if p == project else 0) for p in dchanges.projects_to_assign(shoko, 2018)}
    dchanges.split_department(shoko, parts, projects=projects, members={}, children={}, year=2018, by=admin_user,
                              reason="分割")
    fy2018 = next_round(fy2017, 2018)
    life.create_answers(fy2018)
    assert list(Answer.objects.filter(opinion=opinion).values_list("department__name", flat=True)) == ["観光課"]


def test_merging_a_department_into_its_own_sub_unit_works_and_says_so(seed, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    unit = make_department("商工観光課（観光係）", parent=shoko)
    outcome = dchanges.merge_departments([shoko], into=unit, year=2019, by=admin_user, reason="統合")
    unit.refresh_from_db()
    assert unit.parent is None and outcome.change is not None
    assert not any("観光係」の下に入ります" in line for line in outcome.lines)


def test_a_split_whose_part_is_its_own_sub_unit_takes_the_parents_place(seed, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    unit = make_department("観光係", parent=shoko)
    parts = dchanges.split_parts(shoko, ["観光係", "産業振興課"])
    projects = dict.fromkeys((p.pk for p in dchanges.projects_to_assign(shoko, 2019)), 1)
    dchanges.split_department(shoko, parts, projects=projects, members={}, children={unit.pk: 0}, year=2019,
                              by=admin_user, reason="分割")
    unit.refresh_from_db()
    assert unit.parent_id == shoko.parent_id


def test_a_projects_page_after_a_merge_is_its_own_and_never_compares_two_projects_of_one_year(
        client, open_round, admin_user, reviewer):
    from django.urls import reverse

    project = Project.objects.get(name=KIDS)
    into = Project.objects.filter(policy=project.policy).exclude(pk=project.pk).first()
    pchanges.merge_project(project, into=into, year=2019, by=admin_user, reason="統合")
    client.force_login(reviewer)
    page = client.get(reverse("reviews:project-story", args=[into.pk]))
    assert page.context["latest"].entry.project_id == into.pk
    first_of_into = next(c for c in page.context["chapters"] if c.entry.project_id == into.pk)
    assert first_of_into.trend == "" and all(t.segments is None for t in first_of_into.texts)


def test_a_rename_never_rewrites_the_published_kpi_open_data(open_round, admin_user, reviewer):
    shoko = Department.objects.get(name="商工観光課")
    kpi = Kpi.objects.create(strategy=open_round.strategy, level=Kpi.Level.PROJECT,
                             project=Project.objects.get(name="企業等誘致事業"), name="誘致件数", unit="件",
                             direction=Kpi.Direction.HIGHER, baseline_value=D(2), baseline_year=2014,
                             target_value=D(10), target_year=2019, department=shoko)
    KpiActual.objects.filter(kpi=kpi).update(status="reported", value=D(6))
    Entry.objects.filter(round=open_round).update(state=Entry.State.APPROVED, **FILLED)
    Answer.objects.filter(round=open_round).update(state=Entry.State.APPROVED, text="対応します。")
    KpiActual.objects.filter(round=open_round, entry=None).update(state=Entry.State.APPROVED)
    life.change_state(open_round, "publish", by=reviewer)
    dchanges.rename_department(shoko, name="産業振興課", year=2019, by=admin_user, reason="組織改正")
    record = next(r for r in kpi_records(open_round) if r["name"] == "誘致件数")
    assert record["department"] == "商工観光課"


def test_a_second_rename_from_the_same_year_previews_what_the_years_before_really_show(seed, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    dchanges.rename_department(shoko, name="産業振興課", year=2019, by=admin_user, reason="組織改正")
    outcome = dchanges.rename_department(Department.objects.get(pk=shoko.pk), name="産業観光課", year=2019,
                                         by=admin_user, reason="訂正", dry_run=True)
    assert any("2018年度までの評価回では「商工観光課」" in line for line in outcome.lines)


def test_a_rename_before_a_later_one_is_refused_at_the_preview(seed, admin_user):
    shoko = Department.objects.get(name="商工観光課")
    dchanges.rename_department(shoko, name="産業振興課", year=2020, by=admin_user, reason="r")
    with pytest.raises(ChangeError, match="それより前の年度"):
        dchanges.rename_department(Department.objects.get(pk=shoko.pk), name="観光課", year=2019, by=admin_user,
                                   reason="r", dry_run=True)
    with pytest.raises(ChangeError, match="それより前の年度"):
        dchanges.merge_departments([Department.objects.get(pk=shoko.pk), Department.objects.get(name="広報課")],
                                   new_name="統合課", year=2019, by=admin_user, reason="r", dry_run=True)


def test_a_part_of_a_split_sees_the_old_departments_entries_but_edits_only_what_it_took(open_round, admin_user):
    from projects.access import is_member_for
    from reviews.access import entries_visible_to

    shoko = Department.objects.get(name="商工観光課")
    koho_clerk = make_user("koho", "広報課")
    project = Project.objects.get(name="企業等誘致事業")
    parts = dchanges.split_parts(shoko, ["産業振興課", "広報課"])
    projects = {p.pk: (1 if p == project else 0) for p in dchanges.projects_to_assign(shoko, 2019)}
    dchanges.split_department(shoko, parts, projects=projects, members={}, children={}, year=2019, by=admin_user,
                              reason="分割")
    other = Project.objects.filter(project_departments__department__name="産業振興課").first()
    koho_clerk = type(koho_clerk).objects.get(pk=koho_clerk.pk)
    assert entries_visible_to(koho_clerk).filter(round=open_round, project=other).exists()
    assert not is_member_for(koho_clerk, Project.objects.get(pk=other.pk), 2018)
    assert is_member_for(koho_clerk, Project.objects.get(pk=project.pk), 2018)


def test_a_hierarchy_with_a_goal_title_too_long_is_refused_before_the_database(seed):
    with pytest.raises(ChangeError, match="200文字以内"):
        carry.parse_hierarchy("1 " + "長" * 201 + "\n　施策")


def test_a_carried_projects_first_entry_shows_last_periods_text_beside_it(open_round, admin_user):
    old = open_round.strategy
    Entry.objects.filter(round=open_round).update(**FILLED)
    goals = carry.parse_hierarchy(carry.hierarchy_text(old))
    carry.carry_strategy(old, carry.NewStrategy("第2期", "senryaku-2019", 2019, None), goals,
                         carry.default_mapping(old, goals), by=admin_user, reason="r")
    new = ProjectSuccession.objects.filter(predecessor__name=KIDS).get().successor
    fy2019 = life.create_round(None, strategy=new.policy.goal.strategy, by=None, system=True, fiscal_year=2019,
                               title="2019", implementation_heading="h", legend="", deadline=None)
    entry = Entry.objects.get(round=fy2019, project=new)
    previous = workflow.previous_entry(entry)
    assert previous is not None and previous.round == open_round and previous.project.name == KIDS

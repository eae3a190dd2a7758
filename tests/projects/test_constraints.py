"""The database itself refuses what must never be wrong, whatever code writes to it."""

import pytest
from django.db import IntegrityError, transaction

from projects.models import Goal, Policy, Project, ProjectDepartment
from reviews.models import Entry, Round

pytestmark = pytest.mark.django_db


def test_a_second_entry_for_the_same_project_and_round_is_refused(seed):
    entry = Entry.objects.filter(round__fiscal_year=2017).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(round=entry.round, project=entry.project)
    assert Entry.objects.filter(round=entry.round, project=entry.project).count() == 1


def test_the_status_letter_e_is_refused(seed):
    entry = Entry.objects.filter(round__fiscal_year=2017).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(status="E")
    entry.refresh_from_db()
    assert entry.status in "ABCD"


def test_an_unknown_entry_state_is_refused(seed):
    entry = Entry.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(state="lost")


def test_a_text_longer_than_1000_characters_is_refused(seed):
    entry = Entry.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=entry.pk).update(evaluation="あ" * 1001)
    Entry.objects.filter(pk=entry.pk).update(evaluation="あ" * 1000)


def test_a_duplicated_goal_number_in_one_strategy_is_refused(seed):
    goal = Goal.objects.get(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Goal.objects.create(strategy=goal.strategy, number=1, title="重複した目標")


def test_two_policies_of_a_goal_cannot_share_a_place(seed):
    policy = Policy.objects.get(title="地域産業を振興する")
    with pytest.raises(IntegrityError), transaction.atomic():
        Policy.objects.create(goal=policy.goal, title="新しい施策", order=policy.order)


def test_two_projects_of_a_policy_cannot_share_a_place(seed):
    project = Project.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(
            policy=project.policy, name="新しい事業", category=Project.Category.NEW, order=project.order
        )


def test_a_project_cannot_list_a_department_twice(seed):
    link = ProjectDepartment.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectDepartment.objects.create(project=link.project, department=link.department, position=9)


def test_only_one_round_per_fiscal_year(seed):
    existing = Round.objects.get(fiscal_year=2017)
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(strategy=existing.strategy, fiscal_year=2017, title="重複", implementation_heading="x")


def test_events_are_append_only(seed):
    from django.core.exceptions import ValidationError

    event = Entry.objects.first().events.first()
    event.comment = "書き換え"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()

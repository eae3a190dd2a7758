"""A project's story: every round the user may see, side by side, with what changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Project
from reviews.entries import workflow
from reviews.models import Entry, Round
from reviews.results.story import difference

pytestmark = pytest.mark.django_db

PROJECT = "企業等誘致事業"


def story_url(project) -> str:
    return reverse("reviews:project-story", args=[project.pk])


def test_a_projects_story_shows_every_round_with_the_differences(client, open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    last_year = Entry.objects.get(round__fiscal_year=2017, project__name=PROJECT)
    workflow.save_draft(entry, by=staff_a, version=entry.version, status="B",
                        implementation=last_year.implementation + "新たに2社を訪問した。",
                        evaluation=last_year.evaluation, future_policy="")
    client.force_login(staff_a)
    response = client.get(story_url(entry.project))
    chapters = response.context["chapters"]
    assert [c.entry.round.fiscal_year for c in chapters] == [2017, 2018]
    assert last_year.status == "A" and chapters[1].trend == "下がった"
    implementation = chapters[1].texts[0]
    assert implementation.changed and [s.text for s in implementation.segments if s.kind == "added"] == ["新たに2社を訪問した。"]
    assert not chapters[1].texts[1].changed  # the evaluation was kept word for word
    page = response.content.decode()
    assert "<ins><span class=\"visually-hidden\">［追加］</span>新たに2社を訪問した。</ins>" in page
    assert "前回と同じ" in page


def test_the_story_is_linked_from_the_entry_page_and_the_round_list(client, open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name=PROJECT)
    client.force_login(staff_a)
    assert story_url(entry.project) in client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert story_url(entry.project) in client.get(reverse("reviews:round", args=[open_round.pk])).content.decode()


def test_another_departments_project_has_no_story_to_show(client, open_round, staff_b):
    project = Project.objects.get(name=PROJECT)
    client.force_login(staff_b)
    assert client.get(story_url(project)).status_code == 404


def test_a_department_does_not_see_a_round_in_preparation_in_the_story(client, seed, staff_a, reviewer):
    from reviews.rounds import life as rounds

    rounds.create_round(Round.objects.get(fiscal_year=2017), by=reviewer, fiscal_year=2018, title="準備中の回",
                        implementation_heading="h", legend="", deadline=None)
    project = Project.objects.get(name=PROJECT)
    client.force_login(staff_a)
    assert [c.entry.round.fiscal_year for c in client.get(story_url(project)).context["chapters"]] == [2017]
    client.force_login(reviewer)
    assert len(client.get(story_url(project)).context["chapters"]) == 2


def test_a_published_year_reads_as_it_was_published(client, open_round, staff_a):
    project = Project.objects.get(name=PROJECT)
    Project.objects.filter(pk=project.pk).update(name="企業誘致推進事業")
    client.force_login(staff_a)
    chapters = client.get(story_url(project)).context["chapters"]
    assert chapters[0].facts.project_name == PROJECT and chapters[1].facts.project_name == "企業誘致推進事業"


def test_the_story_costs_the_same_queries_whatever_the_number_of_rounds(client, open_round, reviewer):
    project = Project.objects.get(name=PROJECT)
    client.force_login(reviewer)
    client.get(story_url(project))
    with CaptureQueriesContext(connection) as two_rounds:
        client.get(story_url(project))
    for year in (2019, 2020, 2021):
        round_ = Round.objects.create(strategy=open_round.strategy, fiscal_year=year, title=f"{year}",
                                      implementation_heading="h", state=Round.State.OPEN)
        Entry.objects.create(round=round_, project=project, implementation=f"{year}年の内容")
    with CaptureQueriesContext(connection) as five_rounds:
        client.get(story_url(project))
    assert len(five_rounds) == len(two_rounds)


def test_the_difference_marks_what_was_added_and_removed():
    segments = difference("講座を3回開催した。", "講座を5回開催した。")
    assert [(s.kind, s.text) for s in segments] == [("same", "講座を"), ("removed", "3"), ("added", "5"),
                                                     ("same", "回開催した。")]

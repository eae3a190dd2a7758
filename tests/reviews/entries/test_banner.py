"""The entry page tells the truth about what its viewer can do: docs/domain.md's banner table,
row by row, against the page and against the workflow's own allowed actions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.entries import guidance as g
from reviews.entries import workflow
from reviews.models import Entry, Round
from reviews.rounds import life as rounds
from tests.factories import FILLED, make_department, make_entry, make_project, make_round

pytestmark = pytest.mark.django_db

DRAFT, SUBMITTED, RETURNED, APPROVED = (s.value for s in Entry.State)
PREPARING, OPEN, CLOSED, PUBLISHED = (s.value for s in Round.State)

# docs/domain.md: (entry, round, role) → the buttons the page shows.
TABLE = [
    (DRAFT, PREPARING, "reviewer", set()),
    (DRAFT, OPEN, "staff", {"save", "submit"}),
    (DRAFT, OPEN, "reviewer", {"memo"}),
    (SUBMITTED, OPEN, "staff", {"withdraw"}),
    (SUBMITTED, OPEN, "reviewer", {"return", "approve", "correct", "memo"}),
    (RETURNED, OPEN, "staff", {"save", "submit"}),
    (RETURNED, OPEN, "reviewer", {"memo"}),
    (APPROVED, OPEN, "staff", set()),
    (APPROVED, OPEN, "reviewer", {"reopen", "memo"}),
    (DRAFT, CLOSED, "staff", set()),
    (DRAFT, CLOSED, "reviewer", {"memo"}),
    (SUBMITTED, CLOSED, "staff", set()),
    (SUBMITTED, CLOSED, "reviewer", {"return", "approve", "correct", "memo"}),
    (RETURNED, CLOSED, "staff", {"save", "submit"}),
    (RETURNED, CLOSED, "reviewer", {"memo"}),
    (APPROVED, CLOSED, "staff", set()),
    (APPROVED, CLOSED, "reviewer", {"reopen", "memo"}),
    (APPROVED, PUBLISHED, "staff", set()),
    (APPROVED, PUBLISHED, "reviewer", set()),
]


@pytest.fixture
def people(staff_a, reviewer, reviewer2):
    return {"staff": staff_a, "reviewer": reviewer2, "author": reviewer}


def entry_in(state: str, round_state: str, people) -> Entry:
    project = make_project(make_department("商工観光課"))
    round_ = make_round(state=OPEN, deadline=timezone.localdate() + timedelta(days=10))
    entry = make_entry(round_, project)
    clerk, reviewer = people["staff"], people["author"]
    if state != DRAFT:
        entry = workflow.save_draft(entry, by=clerk, version=entry.version, **FILLED)
        entry = workflow.submit(entry, by=clerk, version=entry.version)
    if state == RETURNED:
        entry = workflow.return_entry(entry, by=reviewer, version=entry.version, comment="直してください")
    if state == APPROVED:
        entry = workflow.approve(entry, by=reviewer, version=entry.version)
    Round.objects.filter(pk=round_.pk).update(state=round_state)
    return Entry.objects.select_related("round", "project").get(pk=entry.pk)


@pytest.mark.parametrize("state,round_state,role,buttons", TABLE, ids=lambda v: v if isinstance(v, str) else None)
def test_each_row_of_the_banner_table(client, people, state, round_state, role, buttons):
    entry = entry_in(state, round_state, people)
    user = people[role]
    actions = {rule.action for rule in workflow.available_actions(entry, user)}
    assert actions == buttons
    client.force_login(user)
    response = client.get(reverse("reviews:entry", args=[entry.pk]))
    expected = g.PUBLISHED_TEXT if round_state == PUBLISHED else g.BANNERS[(state, round_state, role)]
    assert response.context["guidance"] == expected
    assert expected in response.content.decode()
    # Whatever the banner asks the person to press is there.
    for verb in ("提出する", "承認する", "差し戻す", "提出を取り下げる"):
        if f"「{verb}」を押" in expected:
            assert f">{verb}</button>" in response.content.decode(), verb


def test_a_draft_in_a_closed_round_says_the_round_is_closed_and_who_can_extend(client, people):
    entry = entry_in(DRAFT, CLOSED, people)
    client.force_login(people["staff"])
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    assert "締め切られたため、提出できません" in page and "延長" in page and ">提出する</button>" not in page


def test_a_draft_whose_department_was_given_more_time_is_told_to_submit(client, people):
    entry = entry_in(DRAFT, CLOSED, people)
    rounds.extend_deadline(entry.round, make_department("商工観光課"), timezone.localdate() + timedelta(days=20),
                           by=people["author"])
    client.force_login(people["staff"])
    response = client.get(reverse("reviews:entry", args=[entry.pk]))
    assert response.context["guidance"] == g.EXTENDED_DRAFT and ">提出する</button>" in response.content.decode()


def test_a_draft_past_its_deadline_is_told_to_ask_for_an_extension(client, people):
    entry = entry_in(DRAFT, OPEN, people)
    Round.objects.filter(pk=entry.round_id).update(deadline=timezone.localdate() - timedelta(days=1))
    client.force_login(people["staff"])
    assert client.get(reverse("reviews:entry", args=[entry.pk])).context["guidance"] == g.PAST_DEADLINE_DRAFT


def test_a_reviewer_who_wrote_the_text_is_told_another_reviewer_approves(client, people):
    entry = entry_in(SUBMITTED, OPEN, people)
    entry = workflow.correct(entry, by=people["author"], version=entry.version, evaluation="企画課の補足")
    client.force_login(people["author"])
    response = client.get(reverse("reviews:entry", args=[entry.pk]))
    assert response.context["guidance"] == g.OWN_TEXT and ">承認する</button>" not in response.content.decode()


def test_a_reviewer_who_is_also_of_the_projects_department_gets_the_departments_words(client, people, reviewer):
    from tests.factories import make_department as department

    entry = entry_in(DRAFT, OPEN, people)
    entry.project.project_departments.create(department=department("企画課"), position=2)
    client.force_login(reviewer)  # a member of 企画課 and a reviewer
    response = client.get(reverse("reviews:entry", args=[entry.pk]))
    assert response.context["guidance"] == g.BANNERS[(DRAFT, OPEN, "staff")]
    assert ">提出する</button>" in response.content.decode()

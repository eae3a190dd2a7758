"""get_entry_for now decides visibility in Python (reviews.access.may_see_entry): every action on
an entry still refuses a clerk for a round in preparation, another department's entry, and a user
who has left, and nothing is changed by the refused request."""

import pytest
from django.urls import reverse

from reviews.models import Entry, Round
from reviews.rounds import life
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

ACTIONS = ("edit", "withdraw", "return", "approve", "reopen", "memo", "message", "kpis")


def post_everything(client, entry: Entry) -> list[int]:
    data = {"version": entry.version, "comment": "理由", "body": "こんにちは", "memo": "メモ", **FILLED}
    statuses = [client.get(reverse("reviews:entry", args=[entry.pk])).status_code]
    for action in ACTIONS:
        for intent in (("save", "submit") if action == "edit" else ("",)):
            statuses.append(client.post(reverse(f"reviews:entry-{action}", args=[entry.pk]),
                                        {**data, "intent": intent}).status_code)
    return statuses


def unchanged(entry: Entry) -> bool:
    now = Entry.objects.get(pk=entry.pk)
    return (now.version, now.state, now.implementation, now.memo, now.messages.count()) == (
        entry.version, entry.state, entry.implementation, entry.memo, 0)


def test_a_clerk_cannot_open_or_act_on_their_own_entry_of_a_round_in_preparation(client, open_round, staff_a,
                                                                                  reviewer):
    fy2019 = life.create_round(open_round, by=reviewer, fiscal_year=2019, title="令和元年度 実施事業評価",
                               implementation_heading="令和元年度の実施内容", legend="", deadline=None)
    assert fy2019.state == Round.State.PREPARING
    entry = Entry.objects.filter(round=fy2019, project__project_departments__department__name="商工観光課").first()
    client.force_login(staff_a)
    assert set(post_everything(client, entry)) == {404}
    assert unchanged(entry)
    assert client.get(reverse("reviews:round", args=[fy2019.pk])).status_code == 404
    story = client.get(reverse("reviews:project-story", args=[entry.project_id])).content.decode()
    assert "令和元年度" not in story


def test_another_departments_clerk_is_refused_every_action(client, open_round, staff_b):
    entry = Entry.objects.filter(round=open_round, project__project_departments__department__name="商工観光課") \
        .exclude(project__project_departments__department__name="地域保健課").first()
    client.force_login(staff_b)
    assert set(post_everything(client, entry)) == {404}
    assert unchanged(entry)


def test_a_clerk_who_has_left_is_refused_every_action(client, open_round, staff_a):
    entry = Entry.objects.filter(round=open_round, project__project_departments__department__name="商工観光課").first()
    client.force_login(staff_a)
    staff_a.is_active = False
    staff_a.save()
    assert all(status in (302, 404) for status in post_everything(client, entry))
    assert unchanged(entry)


def test_a_clerk_cannot_approve_or_return_their_own_submitted_entry(client, open_round, staff_a):
    entry = Entry.objects.filter(round=open_round, project__project_departments__department__name="商工観光課").first()
    Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED, **FILLED)
    entry = Entry.objects.get(pk=entry.pk)
    client.force_login(staff_a)
    for action in ("approve", "return", "reopen", "memo"):
        response = client.post(reverse(f"reviews:entry-{action}", args=[entry.pk]),
                               {"version": entry.version, "comment": "理由", "memo": "メモ"})
        assert response.status_code in (400, 403, 409), action
    assert Entry.objects.get(pk=entry.pk).state == Entry.State.SUBMITTED


def test_a_user_whose_role_changes_no_longer_sees_the_rounds_the_old_role_saw(seed, reviewer):
    # The rounds a user sees are read once a request and kept on the user object: a role taken
    # away on that same object must not leave the rounds in preparation visible.
    from django.http import Http404

    from projects.access import Role, set_role
    from reviews.access import get_round_for, visible_rounds

    preparing = Round.objects.create(strategy=seed.round.strategy, fiscal_year=2019, title="令和元年度 実施事業評価",
                                     implementation_heading="令和元年度の実施内容")
    assert preparing.state == Round.State.PREPARING
    assert preparing in visible_rounds(reviewer) and get_round_for(reviewer, preparing.pk) == preparing
    set_role(reviewer, Role.STAFF)
    assert preparing not in visible_rounds(reviewer)
    with pytest.raises(Http404):
        get_round_for(reviewer, preparing.pk)

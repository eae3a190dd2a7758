"""Each user's home, a round's entries grouped as on the sheet, and the reviewers' queue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.entries import workflow
from reviews.models import Entry, Round, forget_strategy_count
from reviews.public.cache import current_token
from tests.factories import (
    FILLED,
    make_department,
    make_entry,
    make_policy,
    make_project,
    make_round,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(staff_a, reviewer):
    shoko, hoken = make_department("商工観光課"), make_department("地域保健課")
    round_ = make_round(2018)
    return {
        "round": round_,
        "old_round": make_round(2017, state=Round.State.PUBLISHED),
        "shoko": shoko,
        "hoken": hoken,
        "clerk": staff_a,
        "reviewer": reviewer,
        "mine": make_entry(round_, make_project(shoko, name="企業等誘致事業", policy=make_policy(1, "しごとの場を創る"))),
        "mine2": make_entry(round_, make_project(shoko, name="狭山茶振興事業", policy=make_policy(1, "地域産業を振興する"))),
        "theirs": make_entry(round_, make_project(hoken, name="妊婦健診事業", policy=make_policy(3, "子育てをサポートする"))),
    }


def submit(entry, user):
    entry = workflow.save_draft(entry, by=user, version=entry.version, **FILLED)
    return workflow.submit(entry, by=user, version=entry.version)


def test_a_clerk_lands_on_their_departments_entries_for_the_open_round(client, world):
    client.force_login(world["clerk"])
    response = client.get(reverse("reviews:home"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("reviews:round", args=[world["round"].pk])
    assert "企業等誘致事業" in page and "狭山茶振興事業" in page
    assert "妊婦健診事業" not in page
    assert page.index("しごとの場を創る") < page.index("企業等誘致事業") < page.index("地域産業を振興する")
    assert "2件 / 全2件" in page  # entries left
    assert reverse("reviews:round", args=[world["old_round"].pk]) in page  # earlier rounds one click away


def test_a_reviewer_lands_on_the_queue(client, world):
    client.force_login(world["reviewer"])
    response = client.get(reverse("reviews:home"))
    assert response["Location"] == reverse("reviews:queue", args=[world["round"].pk])


def test_the_department_list_filters_by_state(client, world):
    submit(world["mine"], world["clerk"])
    client.force_login(world["clerk"])
    page = client.get(reverse("reviews:round", args=[world["round"].pk]), {"state": "submitted"}).content.decode()
    assert "企業等誘致事業" in page and "狭山茶振興事業" not in page
    assert "1件 / 全2件" in page


def test_the_queue_lists_submissions_oldest_first_and_filters_by_department(client, world):
    submit(world["mine2"], world["clerk"])
    submit(world["theirs"], make_user("hoken_clerk", world["hoken"]))
    submit(world["mine"], world["clerk"])
    client.force_login(world["reviewer"])
    queue_url = reverse("reviews:queue", args=[world["round"].pk])
    page = client.get(queue_url).content.decode()
    assert page.index("狭山茶振興事業") < page.index("妊婦健診事業") < page.index("企業等誘致事業")
    page = client.get(queue_url, {"department": world["hoken"].pk}).content.decode()
    assert "妊婦健診事業" in page and "企業等誘致事業" not in page


def test_a_clerk_may_not_open_the_queue(client, world):
    client.force_login(world["clerk"])
    assert client.get(reverse("reviews:queue", args=[world["round"].pk])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_list(client, world):
    for name in ("reviews:round", "reviews:queue"):
        response = client.get(reverse(name, args=[world["round"].pk]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def make_entries(count: int, department, round_: Round, start: int = 0) -> None:
    policy = make_policy(2, "若者の定住を推進する")
    for n in range(start, start + count):
        entry = make_entry(round_, make_project(department, name=f"大量の事業{n}", policy=policy))
        if n % 2:
            Entry.objects.filter(pk=entry.pk).update(state=Entry.State.SUBMITTED)


def count_queries(client, url: str) -> int:
    forget_strategy_count()  # each request counted from the same start (it is kept for a minute)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who,name", [("clerk", "reviews:round"), ("reviewer", "reviews:round"),
                                      ("reviewer", "reviews:queue"), ("reviewer", "reviews:progress")])
def test_list_pages_make_the_same_number_of_queries_for_10_and_500_entries(client, world, who, name):
    client.force_login(world[who])
    url = reverse(name, args=[world["round"].pk])
    current_token()  # the installation's first read writes the token that kept counts carry (progress)
    make_entries(10, world["shoko"], world["round"])
    with_10 = count_queries(client, url)
    make_entries(490, world["shoko"], world["round"], start=10)
    assert Entry.objects.filter(round=world["round"]).count() == 503
    assert count_queries(client, url) == with_10


def test_a_clerk_given_a_reviewers_link_with_a_department_sees_their_own_entries_in_the_state_asked(client, world):
    # A reviewer's link passed on (?department=<id>) or a department typed into the address: the
    # clerk is not offered the filter, so it is ignored, and the state they asked for still applies.
    submit(world["mine"], world["clerk"])
    client.force_login(world["clerk"])
    url = reverse("reviews:round", args=[world["round"].pk])
    for department in (world["hoken"].pk, "地域保健課", "²"):
        response = client.get(url, {"state": "submitted", "department": department})
        page = response.content.decode()
        assert response.status_code == 200
        assert "企業等誘致事業" in page and "狭山茶振興事業" not in page and "妊婦健診事業" not in page
        assert "error-summary" not in page and 'name="department"' not in page

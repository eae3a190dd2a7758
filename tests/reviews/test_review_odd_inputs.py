"""Odd addresses never cost a 500: page numbers, filters and ids as an attacker or a mistyped
link gives them, on the lists, the summary, the progress page, the entry page and its actions,
and the story pages."""

import pytest
from django.urls import reverse

from reviews.models import Entry, Round

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    "page=", "page=-1", "page=0", "page=1.5", "page=1e3", "page=%00", "page=99999999999999999999999999",
    "page=%E2%80%A8", "page=2&page=abc",
    "department=", "department=%00", "department=abc", "department=-1", "department=99999999999999999999999",
    "goal=", "goal=%00", "goal=-1", "goal=99999999999999999999999", "goal=1&goal=2",
    "state=zzz", "state=%3Cscript%3E", "state=draft&page=99999",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_the_round_lists_answer_odd_filters_and_pages_with_a_page(client, open_round, reviewer, staff_a, query):
    published = Round.objects.get(fiscal_year=2017)
    for user in (reviewer, staff_a):
        client.force_login(user)
        for round_ in (open_round, published):
            response = client.get(reverse("reviews:round", args=[round_.pk]) + "?" + query)
            assert response.status_code == 200, (user.username, round_.fiscal_year)
    client.force_login(reviewer)
    assert client.get(reverse("reviews:queue", args=[open_round.pk]) + "?" + query).status_code == 200
    assert client.get(reverse("reviews:progress", args=[open_round.pk]) + "?" + query).status_code == 200
    for round_ in (open_round, published):
        assert client.get(reverse("reviews:round-summary", args=[round_.pk]) + "?" + query).status_code == 200


@pytest.mark.parametrize("query", ["page=", "page=-1", "page=%00", "page=99999999999999999999999999", "page=x"])
def test_the_public_summary_answers_odd_pages(client, seed, query):
    published = Round.objects.get(fiscal_year=2017)
    url = reverse("public:summary", args=[published.strategy.code, published.fiscal_year])
    assert client.get(url + "?" + query).status_code == 200


HUGE = [2**31, 2**63 - 1, 2**63, 2**64, 10**30]


@pytest.mark.parametrize("pk", HUGE)
def test_huge_ids_are_not_found_not_a_server_error(client, open_round, staff_a, reviewer, pk):
    for user in (staff_a, reviewer):
        client.force_login(user)
        assert client.get(reverse("reviews:entry", args=[pk])).status_code == 404
        for action in ("edit", "withdraw", "return", "approve", "reopen", "memo", "message", "kpis"):
            response = client.post(reverse(f"reviews:entry-{action}", args=[pk]),
                                   {"intent": "save", "version": 1, "comment": "x", "body": "x", "memo": "x"})
            assert response.status_code == 404, action
        for name in ("reviews:project-story", "reviews:round", "reviews:round-summary", "reviews:progress"):
            assert client.get(reverse(name, args=[pk])).status_code in (403, 404), name
    client.logout()
    assert client.get(reverse("public:project", args=[pk])).status_code == 404


def test_an_entry_id_of_zero_is_not_found(client, open_round, staff_a):
    client.force_login(staff_a)
    assert client.get(reverse("reviews:entry", args=[0])).status_code == 404
    assert Entry.objects.filter(pk=0).count() == 0


@pytest.mark.parametrize("field", ["entry", "version"])
def test_bulk_approval_with_thousands_of_digits_is_refused_not_a_server_error(client, open_round, reviewer, field):
    entry = Entry.objects.filter(round=open_round).first()
    data = {"entry": str(entry.pk), f"version-{entry.pk}": str(entry.version), "confirmed": "yes"}
    if field == "entry":
        data["entry"] = "9" * 5000
    else:
        data[f"version-{entry.pk}"] = "9" * 5000
    client.force_login(reviewer)
    response = client.post(reverse("reviews:approve-selected", args=[open_round.pk]), data, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert ("承認する評価を選んでください" in text) if field == "entry" else ("画面を開き直してから" in text)
    assert Entry.objects.get(pk=entry.pk).state == entry.state

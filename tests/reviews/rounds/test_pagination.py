"""Long lists come a page at a time (50 rows), keeping the filters in the page links and the
sheet's grouping on each page; every entry is reachable."""

import re

import pytest
from django.urls import reverse

from reviews.models import Entry, Round
from reviews.rounds.lists import PAGE_SIZE
from tests.factories import FILLED


def pages_of(client, url: str, context_key: str) -> list:
    first = client.get(url)
    pages = [first]
    count = first.context["listing"].page.paginator.num_pages
    separator = "&" if "?" in url else "?"
    for number in range(2, count + 1):
        pages.append(client.get(f"{url}{separator}page={number}"))
    return pages


def test_a_rounds_list_comes_in_pages_and_every_entry_is_on_one_of_them(client, open_round, reviewer):
    client.force_login(reviewer)
    pages = pages_of(client, reverse("reviews:round", args=[open_round.pk]), "groups")
    assert len(pages) == 2
    seen = [entry.pk for page in pages for _, policies in page.context["groups"] for _, rows in policies
            for entry in rows]
    assert len(seen) == len(set(seen)) == open_round.entries.count() == 68
    assert len([1 for _, policies in pages[0].context["groups"] for _, rows in policies for _ in rows]) == PAGE_SIZE
    # Page 2 starts inside a goal: its heading repeats with （続き）, once, over every row of it on
    # the page (the continued first row stood alone under it, and the heading came again below).
    body = pages[1].content.decode()
    assert "（続き）</h2>" in body and "全68件のうち 51〜68件目" in body
    goals = [goal.number for goal, _ in pages[1].context["groups"]]
    assert len(goals) == len(set(goals)) and pages[1].context["groups"][0][0].continued
    assert len(re.findall(r'id="goal-(\d+)"', body)) == len(set(re.findall(r'id="goal-(\d+)"', body)))
    first_goal, first_policies = pages[1].context["groups"][0]
    assert len([p for p, _ in first_policies if p.title == first_policies[0][0].title]) == 1
    assert 'rel="prev"' in body and 'aria-current="page">2<' in body


def test_the_order_across_pages_is_the_sheets_for_a_published_round_too(client, seed, reviewer):
    client.force_login(reviewer)
    fy2017 = Round.objects.get(fiscal_year=2017)
    pages = pages_of(client, reverse("reviews:round", args=[fy2017.pk]), "groups")
    order = [entry.facts.sheet_order for page in pages for _, policies in page.context["groups"]
             for _, rows in policies for entry in rows]
    assert order == sorted(order) and len(order) == 68


def test_page_links_keep_the_filters(client, open_round, reviewer):
    client.force_login(reviewer)
    goal = open_round.strategy.goals.get(number=3)
    url = reverse("reviews:round", args=[open_round.pk]) + f"?goal={goal.pk}&state=draft"
    first = client.get(url)
    links = re.findall(r'href="\?([^"]*page=\d+)"', first.content.decode())
    assert all(f"goal={goal.pk}" in link and "state=draft" in link for link in links)


def test_the_queue_comes_in_pages_oldest_first(client, open_round, staff_a, reviewer):
    # The list is what is tested here, not submitting (which has its own tests).
    Entry.objects.filter(round=open_round).update(state=Entry.State.SUBMITTED, **FILLED)
    client.force_login(reviewer)
    pages = pages_of(client, reverse("reviews:queue", args=[open_round.pk]), "entries")
    seen = [e.pk for page in pages for e in page.context["entries"]]
    assert len(seen) == len(set(seen)) == 68 and len(pages) == 2
    assert all(e.may_select for e in pages[1].context["entries"])
    assert "全68件のうち51〜68件目" in pages[1].content.decode()


@pytest.mark.parametrize("page", ["0", "abc", "999"])
def test_a_page_number_out_of_range_or_not_a_number_still_opens_a_page(client, open_round, reviewer, page):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:round", args=[open_round.pk]) + f"?page={page}")
    assert response.status_code == 200 and response.context["listing"].page.object_list


@pytest.mark.parametrize(("page", "shown"), [("0", 1), ("-1", 1), ("-00", 1), ("+0", 1), ("2", 2), ("+2", 2),
                                             ("0" * 18 + "2", 2), ("999", 2), ("9" * 5000, 2), ("1e3", 1), ("", 1)])
def test_page_zero_and_below_open_the_first_page_and_past_the_end_the_last(client, open_round, reviewer, page, shown):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:round", args=[open_round.pk]), {"page": page})
    assert response.status_code == 200 and response.context["listing"].page.number == shown


def test_the_page_links_are_those_around_the_page_shown():
    # A big city's round list has 100 pages: on page 40 the links lead to its neighbours, not only
    # to the first pages and the last.
    from django.http import QueryDict
    from django.template.loader import render_to_string

    from reviews.rounds.lists import paginate

    listing = paginate(list(range(5000)), QueryDict("page=40&state=draft"))
    html = render_to_string("reviews/_pagination.html", {"listing": listing})
    numbers = [int(n) for n in re.findall(r'href="\?state=draft&amp;page=(\d+)"', html)]
    assert {39, 41, 1, 100} <= set(numbers) and 'aria-current="page">40<' in html
    assert "…" in html and 20 not in numbers


@pytest.mark.parametrize("published", [False, True], ids=["open round", "published round"])
def test_a_departments_list_in_pages_holds_each_of_its_entries_once_in_the_sheets_order(
        client, open_round, staff_a, monkeypatch, published):
    # A department's pages are read in one query each (paginate's by_id=False), not by id as a
    # reviewer's: the same rows, the same order and the same （続き） headings, a few rows a page.
    from reviews.access import entries_visible_to
    from reviews.rounds import lists, views

    real = lists.paginate
    monkeypatch.setattr(views.lists, "paginate", lambda items, params, **kw: real(items, params, per_page=4, **kw))
    round_ = Round.objects.get(fiscal_year=2017) if published else open_round
    client.force_login(staff_a)
    url = reverse("reviews:round", args=[round_.pk])
    first = client.get(url)
    pages = [first] + [client.get(url, {"page": n}) for n in range(2, first.context["listing"].page.paginator.num_pages + 1)]
    seen = [entry for page in pages for _, policies in page.context["groups"] for _, rows in policies for entry in rows]
    visible = set(entries_visible_to(staff_a).filter(round=round_).values_list("pk", flat=True))
    assert len(pages) > 2 and len(seen) == len({e.pk for e in seen}) == first.context["counts"]["total"]
    assert {e.pk for e in seen} == visible
    order = [(entry.row_facts.sheet_order, entry.pk) for entry in seen]
    assert order == sorted(order)
    continued = [page for page in pages[1:] if page.context["listing"].before is not None
                 and page.context["groups"][0][0].continued]
    assert continued and all("（続き）" in page.content.decode() for page in continued)

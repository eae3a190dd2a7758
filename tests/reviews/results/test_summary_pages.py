"""A big city's summary shows its departments fifty a page, every one reachable, on the signed-in
and the public side; the download keeps them all."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reviews.models import Round
from reviews.results.summary import round_summary
from reviews.rounds.lists import PAGE_SIZE
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_city(settings):
    settings.DEBUG = True  # the generator, like load_demo, is for development
    call_command("generate_installation", "--projects", "300", "--rounds", "3", "--departments", "80",
                 stdout=StringIO())
    settings.DEBUG = False
    published = Round.objects.filter(state=Round.State.PUBLISHED).order_by("-fiscal_year").first()
    assert len(round_summary(published).departments) > PAGE_SIZE
    return published


def department_rows(html: str, names: list[str]) -> list[str]:
    return [name for name in names if f'<th scope="row">{name}</th>' in html]


def test_the_summary_pages_its_departments_and_keeps_every_one_reachable(client, big_city):
    reviewer = make_user("bigcity_reviewer", "企画課", reviewer=True)
    client.force_login(reviewer)
    names = [row.label for row in round_summary(big_city).departments]
    url = reverse("reviews:round-summary", args=[big_city.pk])

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert first.status_code == second.status_code == 200
    assert len(first.context["departments"]) == PAGE_SIZE
    seen = [row.label for row in first.context["departments"]] + [row.label for row in second.context["departments"]]
    assert seen == names[:len(seen)] and len(seen) == min(len(names), 2 * PAGE_SIZE)
    assert department_rows(first.content.decode(), names) == names[:PAGE_SIZE]
    assert "担当課のページ送り" in first.content.decode() and "?page=2" in first.content.decode()
    # The goals and policies are whole on every page.
    assert second.context["summary"].goals == first.context["summary"].goals


def test_the_public_summary_pages_its_departments_too(client, big_city):
    names = [row.label for row in round_summary(big_city, published_only=True).departments]
    url = reverse("public:summary", args=[big_city.strategy.code, big_city.fiscal_year])
    last_page = (len(names) - 1) // PAGE_SIZE + 1

    last = client.get(url, {"page": last_page})

    assert last.status_code == 200
    assert [row.label for row in last.context["departments"]] == names[(last_page - 1) * PAGE_SIZE:]


def test_a_published_rounds_counts_are_worked_out_once_and_kept(big_city, django_assert_max_num_queries):
    first = round_summary(big_city)
    with django_assert_max_num_queries(2):  # the previous round and nothing of the entries
        again = round_summary(big_city)
    assert again.total == first.total and again.departments == first.departments
    assert again.change is not None and again.change.rose == first.change.rose


def test_the_lists_of_the_change_show_fifty_projects_and_point_to_the_download_for_the_rest(client, big_city):
    reviewer = make_user("bigcity_reviewer", "企画課", reviewer=True)
    client.force_login(reviewer)
    change = round_summary(big_city).change
    longest = max(change.rose, change.fell, key=len)
    assert len(longest) > 50

    html = client.get(reverse("reviews:round-summary", args=[big_city.pk])).content.decode()

    assert f"（{len(longest)}事業）" in html  # the count is the whole list's
    assert f"残りの{len(longest) - 50}事業は" in html
    table = html[html.index(f"（{len(longest)}事業）"):html.index(f"残りの{len(longest) - 50}事業は")]
    assert table.count('<th scope="row">') == 50
    assert all(f'<th scope="row">{m.project_name}</th>' in table for m in longest[:50])
    download = client.get(reverse("reviews:round-summary-download", args=[big_city.pk]))
    assert download.status_code == 200


def test_the_seeds_published_round_grown_by_the_generator_is_counted_again_by_a_running_server(settings):
    # A developer's server shows FY2017's summary, then generate_installation gives that published
    # round thousands of entries: the counts kept for it must not be served any more (the page
    # benchmark, too, asks one process for the seed's and the grown copy's FY2017 in turn).
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    fy2017 = Round.objects.get(fiscal_year=2017)
    before = round_summary(fy2017).total.total
    call_command("generate_installation", "--projects", "150", "--rounds", "3", "--departments", "60",
                 stdout=StringIO())

    after = round_summary(Round.objects.get(pk=fy2017.pk))

    assert after.entry_count == Round.objects.get(pk=fy2017.pk).entries.count() > before
    assert after.total.total == after.entry_count


def test_the_department_page_links_lead_back_to_the_departments_and_keep_what_else_was_asked(client, big_city):
    # The departments come after the goals' and policies' charts: a page link that opened the top
    # of the page would look as if nothing had changed.
    url = reverse("public:summary", args=[big_city.strategy.code, big_city.fiscal_year])
    for page in ("2", "999", "abc", "²"):
        response = client.get(url, {"page": page, "from": "portal"})
        html = response.content.decode()
        assert response.status_code == 200 and not response.cookies
        links = re.findall(r'<nav class="pagination" aria-label="担当課のページ送り">.*?</nav>', html, re.S)
        assert len(links) == 1 and 'id="departments-heading"' in html
        hrefs = re.findall(r'href="([^"]+)"', links[0])
        assert hrefs and all(h.startswith("?from=portal&amp;page=") and h.endswith("#departments-heading")
                             for h in hrefs)

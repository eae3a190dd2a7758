"""The public search finds a project by the names its published rounds showed, and never by a name
given to it from a year not yet published (signed in, search finds a project by any of its names)."""

import pytest
from django.urls import reverse

from projects.models import Project
from reviews.changes.projects import rename_project
from reviews.models import Entry
from reviews.search.query import search
from tests.reviews.public.test_public import publish_next_round

pytestmark = pytest.mark.django_db

KIDS = "キッズアカデミー（子供向け経済・産業講座）"
NEW_NAME = "まちの経済探検隊"


def public_search(client, q: str) -> list[tuple[int, str]]:
    """Each hit of the public search as (fiscal year, the project's name as that round shows it)."""
    response = client.get(reverse("public:search"), {"q": q})
    assert response.status_code == 200
    return sorted((hit.fiscal_year, hit.facts.project_name) for hit in response.context["result"].hits)


def test_a_project_renamed_from_a_year_not_yet_published_is_not_found_by_its_new_name_on_the_public_search(
        client, open_round, admin_user, reviewer, reviewer2, staff_a):
    rename_project(Project.objects.get(name=KIDS), name=NEW_NAME, year=2018, by=admin_user, reason="事業名の変更")
    # FY2018, which gives the new name, is still open: the public knows the project by its old name only.
    assert public_search(client, "探検隊") == []
    assert public_search(client, "ｷｯｽﾞｱｶﾃﾞﾐｰ") == [(2017, KIDS)]
    # A word of both names still finds the published year, whose own name holds it.
    assert (2017, KIDS) in public_search(client, "経済")
    # Signed in, the new name finds every round, the published one too (search finds any name).
    assert {hit.fiscal_year for hit in search(Entry.objects.all(), q="探検隊").hits} == {2017, 2018}

    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    # Published, the new name is the public's too, and either name finds both years.
    assert public_search(client, "探検隊") == [(2017, KIDS), (2018, NEW_NAME)]
    assert public_search(client, "キッズアカデミー") == [(2017, KIDS), (2018, NEW_NAME)]

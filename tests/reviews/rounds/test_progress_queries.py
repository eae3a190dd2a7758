"""The progress page asks the database the same number of questions whatever the city holds: its
counts come from grouped queries, and a project moved to another department (a period of the
round's year) is counted by the same queries as one that never moved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Department, Project
from reviews.changes import departments as department_changes
from reviews.rounds.progress import department_progress

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_progress_takes_the_same_queries_before_and_after_a_project_moves_in_the_rounds_year(
        client, open_round, reviewer, admin_user):
    client.force_login(reviewer)
    url = reverse("reviews:progress", args=[open_round.pk])
    before, page = queries_for(client, url)
    project = Project.objects.filter(project_departments__department__name="広報課").first()
    moved_to = Department.objects.get(name="企画課")
    total_before = {row.name: row.total for row in department_progress(open_round, open_round.deadline)}
    department_changes.change_project_departments(project, [moved_to], year=open_round.fiscal_year,
                                                  by=admin_user, reason="移管")
    after, page = queries_for(client, url)
    assert after == before
    # The move counts for the department of the round's year, found through its period.
    totals = {row.name: row.total for row in department_progress(open_round, open_round.deadline)}
    assert totals["企画課"] == total_before["企画課"] + 1
    assert totals.get("広報課", 0) == total_before["広報課"] - 1
    assert "企画課" in page

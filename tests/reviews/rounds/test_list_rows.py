"""The rows of the round list and the queue: each shows its entry's facts as the round's year shows
them (worked out for the page at once, not per row in the template), the links of the entry and
its project, and what anyone typed as inert text."""

import pytest
from django.urls import reverse

from projects.models import Department, Goal, Policy, Project
from reviews.changes.departments import rename_department
from reviews.changes.projects import rename_project
from reviews.models import Entry, Round

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> & \"q\""
INERT = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;q&quot;"


def rows_of(response) -> list[Entry]:
    if "groups" in response.context:
        return [entry for _, policies in response.context["groups"] for _, rows in policies for entry in rows]
    return list(response.context["entries"])


def test_each_row_shows_the_facts_and_links_of_its_entry_as_its_rounds_year_names_them(
        client, open_round, reviewer, admin_user):
    # From FY2019 on, 商工観光課 and one of its projects have new names: FY2018 shows the old ones.
    shoko = Department.objects.get(name="商工観光課")
    project = Project.objects.get(name="企業等誘致事業")
    rename_department(shoko, name="産業振興課", year=2019, by=admin_user, reason="組織改正")
    rename_project(project, name="企業立地推進事業", year=2019, by=admin_user, reason="名称変更")
    Entry.objects.filter(round=open_round).update(state=Entry.State.SUBMITTED)
    client.force_login(reviewer)
    for name in ("reviews:round", "reviews:queue"):
        response = client.get(reverse(name, args=[open_round.pk]))
        body = response.content.decode()
        rows = rows_of(response)
        assert len(rows) == 50
        for row in rows:
            entry = Entry.objects.get(pk=row.pk)
            assert row.row_facts == entry.facts
            assert row.url == reverse("reviews:entry", args=[entry.pk]) and f'href="{row.url}"' in body
            assert row.story_url == reverse("reviews:project-story", args=[entry.project_id])
            assert f'<span class="state state-submitted">{entry.get_state_display()}</span>' in body
        assert "企業等誘致事業" in body and "企業立地推進事業" not in body
        assert "商工観光課" in body and "産業振興課" not in body


def test_markup_typed_into_names_and_titles_is_inert_text_in_every_list(client, open_round, staff_a, reviewer):
    project = Project.objects.get(name="企業等誘致事業")
    Project.objects.filter(pk=project.pk).update(name=f"事業{HOSTILE}")
    Department.objects.filter(name="商工観光課").update(name=f"課{HOSTILE}")
    Policy.objects.filter(pk=project.policy_id).update(title=f"施策{HOSTILE}")
    Goal.objects.filter(pk=project.policy.goal_id).update(title=f"目標{HOSTILE}")
    Entry.objects.filter(round=open_round, project=project).update(state=Entry.State.SUBMITTED)
    published = Round.objects.get(fiscal_year=2017)
    captured = Entry.objects.get(round=published, project=project)
    Entry.objects.filter(pk=captured.pk).update(published_facts={
        **captured.published_facts, "project_name": f"公表{HOSTILE}", "departments": [f"公表課{HOSTILE}"]})
    pages = [
        (reviewer, reverse("reviews:round", args=[open_round.pk]), ["事業", "課", "施策", "目標"]),
        (staff_a, reverse("reviews:round", args=[open_round.pk]), ["事業", "課", "施策", "目標"]),
        (reviewer, reverse("reviews:queue", args=[open_round.pk]), ["事業", "課", "目標"]),
        (staff_a, reverse("reviews:round", args=[published.pk]), ["公表", "公表課"]),
    ]
    for user, url, prefixes in pages:
        client.force_login(user)
        body = client.get(url).content.decode()
        assert "<script>" not in body.replace('<script src=', ''), url
        for prefix in prefixes:
            assert f"{prefix}{INERT}" in body, (url, prefix)

"""get_entry_for decides one entry's visibility from what it read (reviews.access.may_see_entry)
instead of filtering by entries_visible_to's subqueries: the two must give the same answer for
every user and every entry, after moves, merges and splits, for sub-units, for a round in
preparation, and for a user who has left. Another department's entry stays a 404."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.urls import reverse

from projects.models import Department, Project
from reviews.access import entries_visible_to, get_entry_for
from reviews.changes import departments as dchanges
from reviews.models import Entry, Round
from reviews.rounds import life
from tests.factories import make_department, make_project, make_user

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request reads it: nothing remembered from an earlier question."""
    return get_user_model().objects.get(pk=user.pk) if user.is_authenticated else user


def assert_same_rule(users) -> int:
    entries = list(Entry.objects.select_related("round").order_by("pk"))
    shown = 0
    for user in users:
        visible = set(entries_visible_to(fresh(user)).values_list("pk", flat=True))
        reader = fresh(user)  # one request's user, asked about every entry (its memos reused)
        for entry in entries:
            try:
                get_entry_for(reader, entry.pk)
                seen = True
            except Http404:
                seen = False
            assert seen == (entry.pk in visible), (user.username if user.is_authenticated else "anonymous",
                                                   entry.round.fiscal_year, entry.project.name)
            shown += seen
    return shown


def test_one_entry_rule_matches_the_list_rule_through_moves_merges_and_splits(open_round, admin_user, staff_a,
                                                                               staff_b, staff_ab, reviewer):
    shoko, hoken, koho = (Department.objects.get(name=n) for n in ("商工観光課", "地域保健課", "広報課"))
    # A sub-unit's project: its parent's members work on it too.
    parent = make_department("子ども支援課")
    unit = make_department("子ども支援課（児童センター）", parent=parent)
    make_project(unit, name="児童センター事業", policy=Project.objects.first().policy)
    parent_clerk = make_user("parent_clerk", parent)
    unit_clerk = make_user("unit_clerk", unit)
    koho_clerk = make_user("koho_clerk", koho)
    left = make_user("left", "商工観光課")
    left.is_active = False
    left.save()
    # FY2019 (a round in preparation that departments must not see), made before the changes.
    fy2019 = life.create_round(open_round, by=None, system=True, fiscal_year=2019, title="令和元年度", legend="",
                               implementation_heading="令和元年度の実施内容", deadline=None)
    assert fy2019.state == Round.State.PREPARING
    # A project moved from 商工観光課 to 広報課 from FY2018: earlier years stay 商工観光課's.
    moved = Project.objects.filter(project_departments__department=shoko).order_by("pk").first()
    dchanges.change_project_departments(moved, [koho], year=2018, by=admin_user, reason="移管")
    # 地域保健課 split from FY2019: each part sees the old department's earlier entries.
    parts = dchanges.split_parts(hoken, ["保健予防課", "健康づくり課"])
    projects = {p.pk: i % 2 for i, p in enumerate(dchanges.projects_to_assign(hoken, 2019))}
    dchanges.split_department(hoken, parts, projects=projects, members={staff_b.pk: 0}, children={}, year=2019,
                              by=admin_user, reason="分割")
    part_clerk = make_user("part_clerk", "健康づくり課")
    # 商工観光課 and 広報課 merged into a new department from FY2019.
    dchanges.merge_departments([shoko, koho], new_name="産業広報課", year=2019, by=admin_user, reason="統合")
    merged_clerk = make_user("merged_clerk", "産業広報課")
    users = [staff_a, staff_b, staff_ab, reviewer, admin_user, parent_clerk, unit_clerk, koho_clerk, left,
             part_clerk, merged_clerk, AnonymousUser()]
    assert assert_same_rule(users) > 0


def test_another_departments_entry_is_a_404_on_the_page_and_its_actions(client, open_round, staff_a, staff_b):
    entry = Entry.objects.filter(round=open_round, project__project_departments__department__name="商工観光課").first()
    client.force_login(staff_b)
    assert client.get(reverse("reviews:entry", args=[entry.pk])).status_code == 404
    for action in ("edit", "withdraw", "memo", "message"):
        assert client.post(reverse(f"reviews:entry-{action}", args=[entry.pk]),
                           {"intent": "save", "version": entry.version}).status_code == 404
    client.force_login(staff_a)
    assert client.get(reverse("reviews:entry", args=[entry.pk])).status_code == 200
    assert client.get(reverse("reviews:entry", args=[2**63])).status_code == 404

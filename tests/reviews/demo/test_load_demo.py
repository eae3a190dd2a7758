"""`python manage.py load_demo`: the seed, a user for every role and the next round."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from projects.access import departments_of, is_administrator, is_reviewer
from projects.models import Project
from reviews.demo.changes import NEW_NAME, OLD_NAME
from reviews.demo.users import DEMO_PASSWORD
from reviews.models import Entry, Event, Round

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development_settings(settings):
    """The test runner turns DEBUG off; load_demo is a development command."""
    settings.DEBUG = True


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "entries": list(Entry.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "projects": list(Project.objects.order_by("pk").values()),
        "rounds": list(Round.objects.order_by("pk").values()),
        "users": list(get_user_model().objects.order_by("pk").values("username", "password")),
    }


def test_load_demo_loads_the_seed_the_users_and_an_open_fy2018_round():
    output = load_demo()
    assert Round.objects.get(fiscal_year=2017).state == Round.State.PUBLISHED
    demo_round = Round.objects.get(fiscal_year=2018)
    assert demo_round.state == Round.State.OPEN
    assert demo_round.implementation_heading == "平成30年度の実施内容"
    assert "平成30年度の実施内容をもとに" in demo_round.legend_paragraphs[0]
    assert demo_round.deadline == timezone.localdate() + timedelta(days=30)
    assert demo_round.entries.count() == 68
    assert set(demo_round.entries.values_list("state", flat=True)) == {Entry.State.DRAFT}
    for username in ("shoko", "toshi", "seishonen", "kikaku1", "kikaku2", "admin"):
        assert username in output
    assert DEMO_PASSWORD in output


def test_the_demo_users_cover_every_role():
    load_demo()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert [d.name for d in departments_of(users["shoko"])] == ["商工観光課"]
    assert {d.name for d in departments_of(users["toshi"])} == {"都市計画課", "企画課"}
    assert {d.name for d in departments_of(users["seishonen"])} == {
        "青少年課", "青少年課（児童センター）", "青少年課（青少年活動センター）",
    }
    assert is_reviewer(users["kikaku1"]) and is_reviewer(users["kikaku2"])
    assert not is_reviewer(users["shoko"])
    assert is_administrator(users["admin"]) and not is_administrator(users["kikaku1"])
    assert users["shoko"].check_password(DEMO_PASSWORD)


def test_running_load_demo_twice_changes_nothing():
    load_demo()
    before = snapshot()
    output = load_demo()
    assert snapshot() == before
    assert "変更はありません" in output


def test_load_demo_keeps_a_users_edit_and_password():
    load_demo()
    entry = Entry.objects.filter(round__fiscal_year=2018).first()
    Entry.objects.filter(pk=entry.pk).update(implementation="利用者が書いた内容", status="B")
    project = Project.objects.get(name="多世代居住支援事業")
    project.description = "管理者が直した事業内容"
    project.save()
    user = get_user_model().objects.get(username="shoko")
    user.set_password("changed-by-shoko-1")
    user.save()

    load_demo()

    entry.refresh_from_db()
    project.refresh_from_db()
    user.refresh_from_db()
    assert entry.implementation == "利用者が書いた内容" and entry.status == "B"
    assert project.description == "管理者が直した事業内容"
    assert user.check_password("changed-by-shoko-1")


def test_load_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        load_demo()
    assert Round.objects.count() == 0
    load_demo("--force")
    assert Round.objects.count() == 2


def test_the_demo_shows_a_renamed_project_under_its_old_name_in_fy2017_and_its_new_one_in_fy2018():
    output = load_demo()
    assert "事業名の変更を記録しました" in output
    fy2017 = Entry.objects.get(round__fiscal_year=2017, project__name=NEW_NAME)
    fy2018 = Entry.objects.get(round__fiscal_year=2018, project__name=NEW_NAME)
    assert fy2017.facts.project_name == OLD_NAME and fy2018.facts.project_name == NEW_NAME
    assert "事業名の変更を記録しました" not in load_demo()  # once only

"""The administrator's guided actions through the screens: a form, a preview that changes nothing,
then the change on confirmation; and the histories people read afterwards."""

import re

import pytest
from django.urls import reverse

from projects.models import Change, Department, Membership, Project, ProjectSuccession, Strategy

RENAME = reverse("reviews:changes-department-rename")


def previewed(response) -> str:
    match = re.search(r'name="previewed" value="([0-9a-f]+)"', response.content.decode())
    assert match, "no preview on the page"
    return match.group(1)


@pytest.mark.parametrize("who", ["staff_a", "reviewer"])
def test_only_administrators_reach_the_changes(client, seed, who, request):
    client.force_login(request.getfixturevalue(who))
    for name in ("changes", "changes-department-rename", "changes-department-merge", "changes-department-split",
                 "changes-project-departments", "changes-project-rename", "changes-project-merge",
                 "changes-project-retire", "changes-strategy-carry"):
        assert client.get(reverse(f"reviews:{name}")).status_code == 403
    shoko = Department.objects.get(name="商工観光課")
    client.post(RENAME, {"department": shoko.pk, "name": "産業振興課", "year": "2019", "reason": "r", "confirm": "yes"})
    assert Department.objects.get(pk=shoko.pk).name == "商工観光課"


def test_an_administrator_renames_a_department_after_seeing_what_it_changes(client, open_round, admin_user):
    client.force_login(admin_user)
    assert "組織・事業の変更" in client.get(reverse("reviews:home"), follow=True).content.decode()
    shoko = Department.objects.get(name="商工観光課")
    data = {"department": shoko.pk, "name": "産業振興課", "year": "令和元年度", "reason": "令和元年度の組織改正"}

    preview = client.post(RENAME, {**data, "confirm": "no"})
    assert "この変更で変わること" in preview.content.decode() and "2018年度までの評価回では「商工観光課」" in preview.content.decode()
    assert Department.objects.get(pk=shoko.pk).name == "商工観光課" and not Change.objects.exists()

    done = client.post(RENAME, {**data, "confirm": "yes", "previewed": previewed(preview)}, follow=True)
    assert Department.objects.get(pk=shoko.pk).name == "産業振興課"
    change = Change.objects.get()
    assert change.effective_year == 2019 and change.made_by == admin_user
    assert "部署の名称変更を行いました" in done.content.decode() and "令和元年度の組織改正" in done.content.decode()


def test_a_confirmation_of_a_form_changed_after_its_preview_shows_the_preview_again(client, open_round, admin_user):
    client.force_login(admin_user)
    shoko = Department.objects.get(name="商工観光課")
    data = {"department": shoko.pk, "name": "産業振興課", "year": "2019", "reason": "r"}
    preview = client.post(RENAME, {**data, "confirm": "no"})
    again = client.post(RENAME, {**data, "name": "観光課", "confirm": "yes", "previewed": previewed(preview)})
    assert again.status_code == 200 and "「観光課」" in again.content.decode()
    assert Department.objects.get(pk=shoko.pk).name == "商工観光課"


@pytest.mark.parametrize("year, message", [("", "適用する年度を入力してください"), ("来年", "年度"),
                                           ("1900", "扱える範囲"), ("1950", "1989 から 2200")])
def test_a_bad_year_is_refused_in_japanese(client, seed, admin_user, year, message):
    client.force_login(admin_user)
    shoko = Department.objects.get(name="商工観光課")
    page = client.post(RENAME, {"department": shoko.pk, "name": "産業振興課", "year": year, "reason": "r"})
    assert message in page.content.decode() and not Change.objects.exists()


def test_a_name_another_department_has_is_refused(client, seed, admin_user):
    client.force_login(admin_user)
    shoko = Department.objects.get(name="商工観光課")
    page = client.post(RENAME, {"department": shoko.pk, "name": "広報課", "year": "2019", "reason": "r"})
    assert "「広報課」という部署がすでにあります" in page.content.decode()


def test_a_split_asks_who_takes_each_project_and_member(client, open_round, admin_user, staff_a):
    client.force_login(admin_user)
    url = reverse("reviews:changes-department-split")
    shoko = Department.objects.get(name="商工観光課")
    base = {"department": shoko.pk, "parts": "産業振興課\n観光課", "year": "2019", "reason": "分割"}
    step2 = client.post(url, base)
    body = step2.content.decode()
    projects = list(Project.objects.filter(project_departments__department=shoko))
    assert all(f'name="project_{p.pk}"' in body for p in projects) and f'name="member_{staff_a.pk}"' in body
    choices = {f"project_{p.pk}": "観光課" for p in projects} | {f"member_{staff_a.pk}": "産業振興課"}
    missing = client.post(url, {**base, "step": "assign", **{k: v for k, v in list(choices.items())[1:]}})
    assert "引き継ぐ部署を選んでください" in missing.content.decode()
    # The parts' lines reordered after choosing: each choice names its part, so nothing moves.
    base["parts"] = "観光課\n産業振興課"
    preview = client.post(url, {**base, "step": "assign", **choices})
    assert "「観光課」（新設）: 事業" in preview.content.decode()
    client.post(url, {**base, "step": "assign", **choices, "confirm": "yes", "previewed": previewed(preview)})
    assert Department.objects.get(pk=shoko.pk).last_year == 2018
    assert Membership.objects.filter(user=staff_a, department__name="産業振興課").exists()
    assert Project.objects.filter(project_departments__department__name="観光課").count() == len(projects)


def test_a_carry_through_the_screens_creates_the_second_period(client, open_round, admin_user):
    client.force_login(admin_user)
    url = reverse("reviews:changes-strategy-carry")
    old = open_round.strategy
    first = client.get(url)
    hierarchy = first.context["form"].initial["hierarchy"]
    assert hierarchy.startswith("1 ")
    base = {"old": old.pk, "name": "第2期入間市総合戦略", "code": "senryaku-2020", "year": "令和2年度", "last_year": "2024",
            "hierarchy": hierarchy, "reason": "第2期の策定"}
    step2 = client.post(url, base)
    mapping = step2.context["assignment"]
    choices = {name: mapping[name].value() for name in mapping.fields}
    assert all(choices.values())  # every project has a default: the policy of the same title
    preview = client.post(url, {**base, "step": "assign", **choices})
    assert "継続として引き継ぎます" in preview.content.decode()
    client.post(url, {**base, "step": "assign", **choices, "confirm": "yes", "previewed": previewed(preview)})
    new = Strategy.objects.get(code="senryaku-2020")
    assert new.first_year == 2020 and ProjectSuccession.objects.count() == len(choices)


def test_a_department_page_shows_its_names_and_whom_it_took_over_from(client, open_round, admin_user, staff_a, staff_b):
    client.force_login(admin_user)
    shoko, hoken = Department.objects.get(name="商工観光課"), Department.objects.get(name="地域保健課")
    url = reverse("reviews:changes-department-merge")
    data = {"departments": [shoko.pk, hoken.pk], "new_name": "産業保健部", "year": "2019", "reason": "統合"}
    preview = client.post(url, data)
    client.post(url, {**data, "confirm": "yes", "previewed": previewed(preview)})
    merged = Department.objects.get(name="産業保健部")
    client.force_login(staff_a)
    page = client.get(reverse("reviews:department", args=[merged.pk])).content.decode()
    assert "商工観光課" in page and "地域保健課" in page and "部署の統合" in page
    other = Department.objects.get(name="広報課")
    assert client.get(reverse("reviews:department", args=[other.pk])).status_code == 404


def test_a_split_gives_what_was_not_chosen_to_the_part_chosen_for_everything(client, open_round, admin_user, staff_a):
    client.force_login(admin_user)
    url = reverse("reviews:changes-department-split")
    shoko = Department.objects.get(name="商工観光課")
    project = Project.objects.filter(project_departments__department=shoko).order_by("pk").first()
    data = {"department": shoko.pk, "parts": "産業振興課\n観光課", "year": "2019", "reason": "分割", "step": "assign",
            "default": "産業振興課", f"project_{project.pk}": "観光課"}
    preview = client.post(url, data)
    assert "職員 1 人（staff_a）" in preview.content.decode()
    client.post(url, {**data, "confirm": "yes", "previewed": previewed(preview)})
    assert list(Project.objects.filter(project_departments__department__name="観光課")) == [project]
    assert Membership.objects.filter(user=staff_a, department__name="産業振興課").exists()


def test_a_carry_asked_from_a_strategy_typed_as_a_superscript_opens_the_latest(client, open_round, admin_user):
    client.force_login(admin_user)
    for rubbish in ("²", "①", "9" * 30, "9" * 5000, "abc"):
        response = client.get(reverse("reviews:changes-strategy-carry"), {"old": rubbish})
        assert response.status_code == 200, rubbish


def test_a_goal_number_of_thousands_of_digits_is_refused_like_any_number_past_99(client, open_round, admin_user):
    client.force_login(admin_user)
    url = reverse("reviews:changes-strategy-carry")
    for number in ("9" * 5000, "100", "００５"):
        response = client.post(url, {"old": open_round.strategy.pk, "name": "第2期", "year": "2020", "reason": "x",
                                     "hierarchy": f"{number} 目標\n　施策"})
        assert response.status_code in (200, 400)
        assert "基本目標の番号は 1 から 99 にしてください" in response.content.decode(), number[:5]

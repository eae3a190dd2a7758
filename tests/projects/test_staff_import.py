"""April: people move between departments, and the system follows the personnel list."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import staff_import
from projects.access import is_reviewer
from projects.models import Membership, StaffProfile
from reviews.access import entries_visible_to
from reviews.entries import workflow
from reviews.models import Entry
from tests.factories import FILLED

pytestmark = pytest.mark.django_db

CSV = (
    "氏名,ログイン名,部署,役割,メールアドレス\r\n"
    "商工 花子,staff_a,地域保健課,担当課職員,hanako@example.jp\r\n"
    "新人 太郎,shinjin,商工観光課,担当課職員,\r\n"
    "兼務 次郎,kenmu,都市計画課,担当課職員,\r\n"
    "兼務 次郎,kenmu,企画課,担当課職員,\r\n"
    "企画 三郎,kikaku3,企画課,審査担当,\r\n"
)


def test_an_administrator_imports_a_cp932_list_previews_it_and_applies_it(client, seed, admin_user, staff_a):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_import_staff")
    preview = client.post(url, {"file": SimpleUploadedFile("名簿.csv", CSV.encode("cp932"))})

    assert "所属: 商工観光課 → 地域保健課" in preview.content.decode()
    assert not get_user_model().objects.filter(username="shinjin").exists()  # nothing before confirming

    page = client.post(url, {"token": preview.context["token"]}).content.decode()
    assert "登録しました" in page
    User = get_user_model()
    assert sorted(Membership.objects.filter(user__username="kenmu").values_list("department__name", flat=True)) == [
        "企画課", "都市計画課"]
    assert is_reviewer(User.objects.get(username="kikaku3"))
    new = User.objects.get(username="shinjin")
    assert (new.last_name, new.first_name) == ("新人", "太郎")
    assert StaffProfile.objects.get(user=new).must_change_password
    password = re.search(r"<td>shinjin</td>.*?<code>(\w+)</code>", page, re.S).group(1)
    assert new.check_password(password)


def test_a_moved_user_sees_the_new_departments_entries_and_not_the_old_ones(staff_a, open_round):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    assert entries_visible_to(staff_a).filter(project__name="企業等誘致事業").exists()

    result = staff_import.parse(CSV.encode("utf-8"))
    staff_import.apply(result)

    moved = get_user_model().objects.get(pk=staff_a.pk)
    visible = entries_visible_to(moved)
    assert not visible.filter(project__name="企業等誘致事業").exists()
    assert visible.filter(project__name="妊婦健診事業").exists()
    # What they did before the move still carries their name.
    assert Entry.objects.get(pk=entry.pk).updated_by == moved
    assert moved.email == "hanako@example.jp"


def test_a_list_with_an_error_changes_nothing_and_names_the_line(seed, staff_a):
    bad = CSV + "誤り 四郎,shiro,商工観光か,担当課職員,\r\n" + "名無し,,商工観光課,係長,\r\n"
    result = staff_import.parse(bad.encode("utf-8"))
    assert not result.ok
    assert result.errors[0].startswith("7行目") and "部署「商工観光か」は登録されていません" in result.errors[0]
    assert "8行目" in result.errors[1] and "役割「係長」" in result.errors[1]
    assert Membership.objects.get(user=staff_a).department.name == "商工観光課"


def test_a_list_without_the_expected_headers_is_refused(seed):
    result = staff_import.parse(b"name,login\r\nA,a\r\n")
    assert "見出しに「氏名」「ログイン名」「部署」「役割」がありません" in result.errors[0]


def test_a_new_user_must_change_the_initial_password_at_first_sign_in(client, seed):
    result = staff_import.parse(CSV.encode("utf-8"))
    staff_import.apply(result)
    password = next(p.initial_password for p in result.people if p.login == "shinjin")

    client.post(reverse("login"), {"username": "shinjin", "password": password})
    response = client.get(reverse("reviews:home"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")

    client.post(reverse("password_change"), {
        "old_password": password, "new_password1": "irumashi-2027-haru", "new_password2": "irumashi-2027-haru"})
    assert not StaffProfile.objects.get(user__username="shinjin").must_change_password
    home = client.get(reverse("reviews:home"))
    assert home.status_code == 200 and "いま受付中の評価回はありません" in home.content.decode()


def test_an_administrator_issues_an_initial_password_from_the_user_list(client, admin_user, staff_a):
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_changelist"), {
        "action": "issue_initial_passwords", "_selected_action": [staff_a.pk]})
    password = re.search(r"<code>(\w+)</code>", response.content.decode()).group(1)
    staff_a.refresh_from_db()
    assert staff_a.check_password(password)
    assert StaffProfile.objects.get(user=staff_a).must_change_password


def test_a_reviewer_cannot_import_the_personnel_list(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("admin:auth_user_import_staff")).status_code in (302, 403)


def test_department_names_match_with_half_width_brackets_and_stray_spaces(seed):
    data = "氏名,ログイン名,部署,役割\r\n児童 一,jido,青少年課(児童センター) ,担当課職員\r\n"
    result = staff_import.parse(data.encode("utf-8"))
    assert result.ok, result.errors
    staff_import.apply(result)
    assert Membership.objects.get(user__username="jido").department.name == "青少年課（児童センター）"
    again = staff_import.parse("氏名,ログイン名,部署,役割\r\n児童\u3000一,jido,青少年課（児童センター）,担当課職員\r\n".encode())
    assert again.people[0].changes == []


def test_bulk_approval_with_nonsense_ids_changes_nothing_and_does_not_crash(client, reviewer, open_round):
    client.force_login(reviewer)
    response = client.post(reverse("reviews:approve-selected", args=[open_round.pk]), {"entry": ["abc", "1x"]},
                           follow=True)
    assert response.status_code == 200
    assert "承認する評価を選んでください" in response.content.decode()


def test_a_list_with_a_bad_address_or_an_overlong_name_names_the_line(seed):
    csv = ("氏名,ログイン名,部署,役割,メールアドレス\r\n"
           "商工 花子,hanako,商工観光課,担当課職員,foo\r\n"
           f"{'長' * 151},nagai,商工観光課,担当課職員,\r\n")
    result = staff_import.parse(csv.encode("utf-8"))
    assert result.errors[0].startswith("2行目") and "メールアドレス「foo」の形が正しくありません" in result.errors[0]
    assert result.errors[1].startswith("3行目") and "氏名は150文字以内" in result.errors[1]


def test_the_preview_lists_active_users_missing_from_the_list_and_changes_nothing_unless_ticked(
        client, seed, admin_user, staff_a, staff_b, reviewer):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_import_staff")
    preview = client.post(url, {"file": SimpleUploadedFile("名簿.csv", CSV.encode("utf-8"))})
    page = preview.content.decode()
    leavers = [leaver.login for leaver in preview.context["result"].leavers]
    assert leavers == ["reviewer", "staff_b"]  # not the administrator, not the people listed
    assert "名簿にない職員（2人・管理者を除く）" in page
    client.post(url, {"token": preview.context["token"]})  # confirmed without ticking
    assert get_user_model().objects.get(username="staff_b").is_active


def test_ticking_it_deactivates_the_leavers_and_ends_their_memberships_but_keeps_their_names(
        client, seed, open_round, admin_user, staff_a, staff_b):
    hoken_entry = Entry.objects.filter(round=open_round, project__departments__name="地域保健課").first()
    workflow.save_draft(hoken_entry, by=staff_b, version=hoken_entry.version, **FILLED)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_import_staff")
    preview = client.post(url, {"file": SimpleUploadedFile("名簿.csv", CSV.encode("utf-8"))})
    done = client.post(url, {"token": preview.context["token"], "deactivate_leavers": "on"})
    leaver = get_user_model().objects.get(username="staff_b")
    assert not leaver.is_active and not Membership.objects.filter(user=leaver).exists()
    assert "利用を停止した職員（1人）" in done.content.decode()
    assert Entry.objects.get(pk=hoken_entry.pk).updated_by == leaver  # past actions keep the name
    assert get_user_model().objects.get(username="administrator").is_active


def test_the_importing_administrator_is_never_deactivated(seed, admin_user, staff_a):
    result = staff_import.parse(CSV.encode("utf-8"))
    staff_import.apply(result, deactivate_leavers=True, by=admin_user)
    assert get_user_model().objects.get(pk=admin_user.pk).is_active


def test_a_list_cannot_demote_an_administrator(seed, admin_user):
    csv = "氏名,ログイン名,部署,役割\r\n管理 太郎,administrator,企画課,担当課職員\r\n"
    result = staff_import.parse(csv.encode("utf-8"))
    assert not result.ok and "管理者の役割は名簿では変えられません" in result.errors[0]
    assert get_user_model().objects.get(pk=admin_user.pk).is_superuser

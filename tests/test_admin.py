"""The Django admin: in Japanese, for administrators, closed to department users."""

import re
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.timezone import localdate

from projects.models import Department, Goal, Membership, Policy, Project, Strategy
from reviews.models import (
    DeadlineExtension,
    Entry,
    Event,
    Message,
    Notification,
    ReminderLog,
    Round,
    RoundEvent,
    SheetUpload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded(seed):
    """Every admin page is opened on the real seed, so that lists and detail pages have rows."""

MODELS = [Department, Strategy, Goal, Policy, Project, Membership, Round, Entry, Event]
LOG_MODELS = [RoundEvent, DeadlineExtension, Message, Notification, ReminderLog, SheetUpload]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_list_and_detail_page_opens_for_an_administrator(client, admin_user, model):
    client.force_login(admin_user)
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    if obj is None:
        Membership.objects.create(user=admin_user, department=Department.objects.first())
        obj = model.objects.first()
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_the_admin_speaks_japanese(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "入間市 総合戦略 実施事業評価 管理画面" in page
    assert "基本目標" in page and "評価回" in page


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Project, "?q=ブックスタート"),
        (Project, "?departments__id__exact={department}"),
        (Project, "?policy__goal__id__exact={goal}"),
        (Entry, "?state__exact=approved"),
        (Entry, "?q=女性"),
        (Round, "?state__exact=published"),
        (Department, "?q=青少年"),
    ],
)
def test_admin_lists_search_and_filter_where_people_look(client, admin_user, model, query):
    client.force_login(admin_user)
    query = query.format(department=Department.objects.get(name="商工観光課").pk, goal=Goal.objects.get(number=1).pk)
    response = client.get(admin_url(model, "changelist") + query)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_a_department_user_is_refused_by_the_admin(client, staff_a):
    client.force_login(staff_a)
    response = client.get(admin_url(Project, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert client.get(reverse("admin:index")).status_code == 302


def test_entries_and_events_cannot_be_edited_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    entry = Entry.objects.first()
    response = client.post(admin_url(Entry, "change", entry.pk), {"implementation": "書き換え"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.implementation != "書き換え"
    assert client.get(admin_url(Entry, "add")).status_code == 403
    assert client.post(admin_url(Event, "delete", entry.events.first().pk), {"post": "yes"}).status_code == 403


def test_a_reviewer_may_look_but_may_not_import(client, reviewer):
    client.force_login(reviewer)
    assert client.get(admin_url(Project, "changelist")).status_code == 200
    assert client.get(admin_url(Project, "import")).status_code == 403
    assert client.get(admin_url(Round, "changelist")).status_code == 200


def test_only_administrators_see_the_import_page(client, admin_user):
    client.force_login(admin_user)
    assert client.get(admin_url(Project, "import")).status_code == 200
    assert client.get(admin_url(Department, "import")).status_code == 200


def test_entries_have_an_export_but_no_import(client, admin_user):
    client.force_login(admin_user)
    assert client.get(admin_url(Entry, "export")).status_code == 200
    with pytest.raises(Exception):  # noqa: B017 - there is no such URL at all
        admin_url(Entry, "import")


def upload_through_admin(client, model, content: bytes, filename: str, format_index: int):
    url = admin_url(model, "import")
    upload = SimpleUploadedFile(filename, content)
    preview = client.post(url, {"import_file": upload, "format": str(format_index), "resource": "0"})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.context.get("errors")
    return client.post(admin_url(model, "process_import"), confirm.initial, follow=True)


def test_an_administrator_imports_departments_from_a_cp932_csv_through_the_admin(client, admin_user):
    client.force_login(admin_user)
    csv_bytes = "部署名,上位の部署\r\n危機管理課,\r\n青少年課（こども食堂）,青少年課\r\n".encode("cp932")

    response = upload_through_admin(client, Department, csv_bytes, "部署.csv", format_index=0)

    assert response.status_code == 200
    assert Department.objects.get(name="青少年課（こども食堂）").parent.name == "青少年課"
    assert Department.objects.filter(name="危機管理課").exists()


def test_an_administrator_exports_projects_as_csv_that_excel_reads(client, admin_user):
    client.force_login(admin_user)
    form = client.get(admin_url(Project, "export")).context["form"]
    # The export form lists every column as a checkbox; take them all.
    data = {"format": "0", "resource": "0"}
    data.update({name: "on" for name in form.fields if name.startswith("projectresource_")})
    response = client.post(admin_url(Project, "export"), data)
    assert "attachment" in response["Content-Disposition"]
    content = response.content
    assert content.startswith("\ufeff".encode())
    assert "女性就労情報提供・支援事業" in content.decode("utf-8-sig")


@pytest.mark.parametrize("model", LOG_MODELS, ids=lambda m: m.__name__)
def test_every_record_of_the_year_has_an_admin_list_for_administrators(client, admin_user, model):
    client.force_login(admin_user)
    assert client.get(admin_url(model, "changelist")).status_code == 200


def test_an_entrys_history_page_shows_no_python_none(client, admin_user):
    """A version saved without a change reason, or a field changed from empty, shows an empty
    cell, not the English "None" the history package prints."""
    client.force_login(admin_user)
    entry = Entry.objects.filter(state=Entry.State.DRAFT).first() or Entry.objects.first()
    entry.text_author = None
    entry.save()
    entry.memo, entry.text_author = "確認中", admin_user  # a field changed from None, as a cell of its own
    entry.save()
    entry.memo = ""
    entry.save()
    assert entry.history.filter(history_change_reason__isnull=True).exists()
    page = client.get(admin_url(Entry, "history", entry.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "変更の理由" in text and "確認中" in text
    assert "None" not in text


def test_confirming_a_flat_import_twice_says_it_is_done_instead_of_failing(client, admin_user):
    """A double click on インポート実行, or the browser's back button and a second confirm, finds the
    preview's file already gone: the administrator is told so, and the departments are imported once."""
    client.force_login(admin_user)
    csv_bytes = "部署名,上位の部署\r\n危機管理課,\r\n".encode("cp932")
    upload = SimpleUploadedFile("部署.csv", csv_bytes)
    preview = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "0", "resource": "0"})
    confirm = preview.context["confirm_form"].initial

    assert client.post(admin_url(Department, "process_import"), confirm).status_code == 302
    again = client.post(admin_url(Department, "process_import"), confirm, follow=True)

    assert again.status_code == 200
    assert again.redirect_chain[-1][0] == admin_url(Department, "import")
    assert "すでに実行されたか" in again.content.decode()
    assert Department.objects.filter(name="危機管理課").count() == 1


def test_a_flat_file_without_the_naming_column_is_refused_in_japanese_without_a_traceback(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("部署.csv", "名前\r\n危機管理課\r\n".encode("cp932"))
    page = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "0", "resource": "0"})

    text = page.content.decode()
    assert "confirm_form" not in page.context  # nothing to confirm
    assert "列「部署名」がありません" in text and "「名前」" in text
    assert "Traceback" not in text and "import_id_fields" not in text and ".py" not in text
    assert not Department.objects.filter(name="危機管理課").exists()


def test_a_file_that_is_not_what_its_format_says_gets_a_japanese_message(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("部署.xlsx", b"PK\x03\x04 not really a workbook")
    page = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "1", "resource": "0"})

    text = page.content.decode()
    assert "ファイルを読み込めませんでした" in text
    assert "BadZipFile" not in text and "encountered" not in text


def test_an_unexpected_error_in_a_row_shows_no_english_or_server_paths(client, admin_user, monkeypatch):
    from projects.resources import DepartmentResource

    def broken(self, *args, **kwargs):
        raise RuntimeError("/srv/secret/path.py exploded")

    monkeypatch.setattr(DepartmentResource, "import_instance", broken)
    client.force_login(admin_user)
    upload = SimpleUploadedFile("部署.csv", "部署名,上位の部署\r\n危機管理課,\r\n".encode("cp932"))
    page = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "0", "resource": "0"})

    text = page.content.decode()
    assert "この行を取り込めませんでした" in text
    assert "exploded" not in text and "Traceback" not in text


@pytest.mark.parametrize("model", [Department, Project], ids=lambda m: m.__name__)
def test_a_departments_or_projects_admin_history_points_to_where_its_changes_are_recorded(client, admin_user, model):
    """Renames and merges go through 組織・事業の変更, not the admin's form: the admin's own history
    page would otherwise say there is none."""
    client.force_login(admin_user)
    obj = model.objects.first()
    page = client.get(admin_url(model, "history", obj.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "組織・事業の変更" in text
    target = reverse("reviews:department", args=[obj.pk]) if model is Department else \
        reverse("reviews:project-story", args=[obj.pk])
    assert f'href="{target}"' in text
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("query", ["foo=1", "page=x", "year=1", "state=bogus", "round__id__exact=2", "o=zz"])
@pytest.mark.parametrize("model", [Entry, Department, Project], ids=lambda m: m.__name__)
def test_an_export_address_with_conditions_the_list_does_not_know_opens_without_them(client, admin_user, model, query):
    client.force_login(admin_user)
    response = client.get(admin_url(model, "export") + "?" + query, follow=True)
    assert response.status_code in (200, 400), response.status_code
    if response.redirect_chain:
        assert response.redirect_chain[-1][0] == admin_url(model, "export")
        assert "絞り込みの条件を読み取れませんでした" in response.content.decode()


@pytest.mark.parametrize(("goal", "order", "message"), [
    ("9" * 5000, "1", "基本目標番号の欄は 1 から 99 までの半角数字で入力してください"),
    ("1", "9" * 5000, "表示順の欄は9桁までの半角の整数で入力してください"),
    ("1", "12345678901", "表示順の欄は9桁までの半角の整数で入力してください"),
    ("abc", "1", "基本目標番号の欄は 1 から 99 までの半角数字で入力してください"),
])
def test_a_flat_import_with_numbers_out_of_reason_says_so_in_japanese_without_echoing_them(
        client, admin_user, goal, order, message):
    client.force_login(admin_user)
    strategy = Strategy.objects.get()
    rows = f"総合戦略,基本目標番号,表示順,基本施策\r\n{strategy.name},{goal},{order},新しい施策\r\n"
    upload = SimpleUploadedFile("施策.csv", rows.encode("utf-8"))
    page = client.post(admin_url(Policy, "import"), {"import_file": upload, "format": "0", "resource": "0"})
    text = page.content.decode()
    assert message in text
    assert "9" * 100 not in text
    assert "expected a number" not in text and "magnitude" not in text and "Traceback" not in text
    assert not Policy.objects.filter(title="新しい施策").exists()


def test_a_department_name_with_a_list_separator_is_refused_by_the_flat_import_and_the_form(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("部署.csv", '部署名,上位の部署\r\n"産業,観光課",\r\n'.encode())
    page = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "0", "resource": "0"})
    assert "部署名に「,」は使えません" in page.content.decode()
    assert "confirm_form" not in page.context
    form = client.post(admin_url(Department, "add"), {"name": "産業、観光課"})
    assert form.status_code == 200 and "部署名に「、」は使えません" in form.content.decode()
    assert not Department.objects.filter(name__startswith="産業").exists()


@pytest.mark.parametrize("first_name", ["花子\r\nBcc: attacker@example.com", "花子\x07", "花子\t子"])
def test_a_persons_name_with_a_line_break_or_control_character_is_refused(client, admin_user, staff_a, first_name):
    from django.contrib.auth import get_user_model

    client.force_login(admin_user)
    url = admin_url(get_user_model(), "change", staff_a.pk)
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"first_name": first_name, "last_name": staff_a.last_name, "username": staff_a.username,
                 "is_active": "on", "date_joined_0": "2026-04-01", "date_joined_1": "09:00:00"})
    for prefix in ("memberships", "staff_profile"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, not saved
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["first_name"], errors
    staff_a.refresh_from_db()
    assert "花子" not in staff_a.first_name



@pytest.mark.parametrize("changed", [{"format": "9"}, {"format": "abc"}, {"import_file_name": "../../etc/passwd"}])
def test_a_flat_import_confirmation_with_changed_hidden_fields_confirms_nothing(client, admin_user, changed):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("部署.csv", "部署名,上位の部署\r\n危機管理課,\r\n".encode("cp932"))
    preview = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "0", "resource": "0"})
    confirm = {**preview.context["confirm_form"].initial, **changed}
    response = client.post(admin_url(Department, "process_import"), confirm, follow=True)
    assert response.status_code == 200
    assert "すでに実行されたか" in response.content.decode()
    assert not Department.objects.filter(name="危機管理課").exists()


def test_a_flat_import_quotes_a_huge_header_or_department_name_short(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("部署.csv", ("部" * 20_000 + "\r\n危機管理課\r\n").encode("utf-8"))
    page = client.post(admin_url(Department, "import"), {"import_file": upload, "format": "0", "resource": "0"})
    text = page.content.decode()
    assert "列「部署名」がありません" in text and "部" * 100 not in text



@pytest.mark.parametrize("parent_of", ["itself", "its own sub-unit"])
def test_a_department_made_its_own_parent_is_refused_in_plain_japanese(client, admin_user, parent_of):
    """The admin's form has no id field, so Django does not check the database's constraint: it
    was a 500 (an IntegrityError), and a loop through a sub-unit was not caught at all."""
    client.force_login(admin_user)
    department = Department.objects.get(name="商工観光課")
    parent = department if parent_of == "itself" else Department.objects.create(name="商工観光課（分室）",
                                                                                  parent=department)
    response = client.post(admin_url(Department, "change", department.pk),
                           {"name": department.name, "parent": parent.pk,
                            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "上位の部署にはできません" in text and "department_not_own_parent" not in text
    assert Department.objects.get(pk=department.pk).parent is None


def test_the_admin_index_names_every_app_in_japanese(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert "総合戦略と事業" in page
    assert ">Projects<" not in page and ">Reviews<" not in page


def test_the_export_page_names_columns_as_the_file_does_and_the_file_has_a_japanese_name(client, admin_user):
    client.force_login(admin_user)
    form = client.get(admin_url(Department, "export")).context["form"]
    labels = [field.label for name, field in form.fields.items() if name.startswith("departmentresource_")]
    assert "部署名" in labels
    assert not [label for label in labels if "(" in label or label.isascii()]
    data = {"format": "0", "resource": "0", **{name: "on" for name in form.fields if name.startswith("departmentresource_")}}
    response = client.post(admin_url(Department, "export"), data)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    # RFC 6266's filename*: the Japanese name survives every browser; "Department-…" is gone.
    name = unquote(disposition.split("filename*=utf-8''")[1])
    assert name == f"{Department._meta.verbose_name}_{localdate():%Y-%m-%d}.csv"
    assert "Department" not in disposition


def test_a_published_rounds_admin_page_offers_neither_save_nor_delete_and_a_post_changes_nothing(
    client, admin_user
):
    client.force_login(admin_user)
    round_ = Round.objects.filter(state=Round.State.PUBLISHED).first() or Round.objects.first()
    round_.state = Round.State.PUBLISHED
    round_.save()
    title = round_.title
    page = client.get(admin_url(Round, "change", round_.pk)).content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert "/delete/" not in page
    assert "「公表済」のため、ここでは変更できません" in page
    response = client.post(admin_url(Round, "change", round_.pk), {"title": "書き換え"}, follow=True)
    assert "変更できません" in response.content.decode()
    assert "変更しました" not in response.content.decode()
    round_.refresh_from_db()
    assert round_.title == title
    assert client.get(admin_url(Round, "delete", round_.pk)).status_code == 403


def test_a_preparing_rounds_admin_page_still_saves_its_heading(client, admin_user):
    client.force_login(admin_user)
    round_ = Round.objects.first()
    round_.state = Round.State.PREPARING
    round_.save()
    page = client.get(admin_url(Round, "change", round_.pk)).content.decode()
    assert 'name="_save"' in page


def test_admin_dates_keep_a_space_before_the_time(client, admin_user):
    from django.utils import formats, timezone

    stamp = timezone.localtime()
    assert formats.date_format(stamp, "DATETIME_FORMAT") == f"{stamp.year}年{stamp.month}月{stamp.day}日 {stamp:%H}:{stamp:%M}".replace(
        f" {stamp:%H}", f" {stamp.hour}")
    client.force_login(admin_user)
    page = client.get(admin_url(Round, "change", Round.objects.first().pk)).content.decode()
    assert f"{stamp.year}年" in page and not re.search(r"[0-9]+日[0-9]+:[0-9]{2}", page)

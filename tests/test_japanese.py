"""Japanese everywhere a user looks: the libraries' admin screens, the greeting, 和暦 with the
Western year beside it in the admin and in errors, and dates with their year."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reviews.entries import workflow
from reviews.models import Entry, Round
from tests.factories import FILLED

pytestmark = pytest.mark.django_db


def test_import_exports_screens_speak_japanese(client, seed, admin_user):
    client.force_login(admin_user)
    export_page = client.get(reverse("admin:projects_project_export")).content.decode()
    assert "次の列をエクスポートします" in export_page and "すべて選択" in export_page
    assert "This exporter will export" not in export_page and "Select all" not in export_page


def test_a_flat_import_says_what_it_did_in_japanese(client, seed, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(admin_user)
    csv = "部署名,上位の部署\r\n会計課,\r\n".encode("utf-8-sig")
    preview = client.post(reverse("admin:projects_department_import"),
                          {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("部署.csv", csv)})
    form = preview.context["confirm_form"]
    done = client.post(reverse("admin:projects_department_process_import"),
                       {**form.initial, "format": form.initial.get("format", "0")}, follow=True)
    page = done.content.decode()
    assert "取り込みました: 新規 1 件" in page and "Import finished" not in page


def test_the_admin_greets_people_by_name_the_japanese_way(client, seed, reviewer):
    reviewer.last_name, reviewer.first_name = "企画", "一郎"
    reviewer.save()
    client.force_login(reviewer)
    assert "ようこそ、<strong>企画 一郎</strong>さん。" in client.get(reverse("admin:index")).content.decode()


def test_the_admin_shows_fiscal_years_in_wareki_with_the_western_year(client, seed, admin_user):
    client.force_login(admin_user)
    rounds_page = client.get(reverse("admin:reviews_round_changelist")).content.decode()
    assert "平成29年度（2017年度）" in rounds_page
    round_page = client.get(reverse("admin:reviews_round_change", args=[Round.objects.get().pk])).content.decode()
    assert "平成29年度（2017年度）" in round_page
    strategies = client.get(reverse("admin:projects_strategy_changelist")).content.decode()
    assert "平成27年度（2015年度）〜令和元年度（2019年度）" in strategies


def test_errors_name_the_year_both_ways(seed, tmp_path):
    with pytest.raises(CommandError, match=r"令和元年度（2019年度）の評価回はありません"):
        call_command("export_sheet", "--round", "R1", "-o", str(tmp_path / "a.xlsx"), stdout=StringIO())


def test_the_round_creation_form_is_prefilled_in_wareki(client, reviewer, seed):
    client.force_login(reviewer)
    form = client.get(reverse("reviews:manage-round-create")).context["form"]
    assert form.initial["fiscal_year"] == "平成30年度"


def test_dates_on_the_entry_page_carry_their_year(client, open_round, staff_a):
    entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    workflow.save_draft(entry, by=staff_a, version=entry.version, **FILLED)
    client.force_login(staff_a)
    page = client.get(reverse("reviews:entry", args=[entry.pk])).content.decode()
    history = page[page.index('id="history-heading"'):]
    assert "年" in history.split("<td>")[1][:12]


def test_the_sign_in_protection_pages_speak_japanese(client, seed, admin_user):
    client.force_login(admin_user)
    index = client.get(reverse("admin:index")).content.decode()
    assert "アクセスの試行" in index and "Access attempts" not in index
    assert "サインインの保護" in index and ">Axes<" not in index
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "Attempt Time" not in attempts


def test_no_template_comment_spans_lines_and_shows_on_a_page():
    """{# … #} ends at its line: a comment over several lines would be printed on the page."""
    from pathlib import Path

    broken = []
    for path in Path(__file__).resolve().parent.parent.joinpath("templates").rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "{#" in line and "#}" not in line.split("{#", 1)[1]:
                broken.append(f"{path.name}:{number}")
    assert broken == []


def test_a_nul_character_is_named_as_such_not_as_an_empty_field(client, seed, reviewer):
    """Django's own Japanese for "Null characters are not allowed." reads 「何か文字を入力してください」."""
    client.force_login(reviewer)
    page = client.get(reverse("reviews:search"), {"q": "事業\x00"}).content.decode()
    assert "U+0000" in page
    assert "何か文字を入力してください" not in page



def test_the_admins_search_box_has_no_english_label(client, seed, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:projects_project_changelist")).content.decode()
    assert 'alt="検索"' in page and 'alt="Search"' not in page



def test_a_request_too_big_to_read_gets_a_japanese_page(client, seed, reviewer, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(reviewer)
    entry = Entry.objects.first()
    response = client.post(reverse("reviews:entry-message", args=[entry.pk]), {f"f{n}": "x" for n in range(50)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "送信を受け付けられませんでした" in text and "Bad Request" not in text

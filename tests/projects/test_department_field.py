"""A department is chosen by typing its name (a big city has nearly a thousand): matched on the
server as the sheet matches names, with a clear message when it fits none or several."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.forms import DepartmentField, DepartmentsField
from projects.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments():
    return {name: Department.objects.create(name=name) for name in
            ("商工観光課", "観光課", "地域保健課", "青少年課（児童センター）", "青少年課")}


def test_an_exact_name_wins_even_when_it_is_part_of_another(departments):
    assert DepartmentField().clean("観光課") == departments["観光課"]


def test_full_width_and_spaces_match_as_on_the_sheet(departments):
    assert DepartmentField().clean(" 青少年課(児童センター) ") == departments["青少年課（児童センター）"]


def test_a_part_that_fits_one_department_is_enough(departments):
    assert DepartmentField().clean("保健") == departments["地域保健課"]


def test_a_part_that_fits_several_names_them(departments):
    with pytest.raises(ValidationError, match=re.escape("「青少年」に当たる部署が2件あります（青少年課、青少年課（児童センター））")):
        DepartmentField().clean("青少年")


def test_a_name_that_fits_none_says_so(departments):
    with pytest.raises(ValidationError, match="「財政課」という部署は見つかりません"):
        DepartmentField().clean("財政課")


def test_only_the_offered_departments_are_matched(departments):
    field = DepartmentField(choices=[(departments["観光課"].pk, "観光課")])
    with pytest.raises(ValidationError, match="見つかりません"):
        field.clean("地域保健課")


def test_several_departments_one_per_line_or_with_commas(departments):
    assert DepartmentsField().clean("観光課、地域保健課\n商工観光課") == [
        departments["観光課"], departments["地域保健課"], departments["商工観光課"]]
    with pytest.raises(ValidationError) as error:
        DepartmentsField().clean("観光課\n財政課\n青少年")
    assert len(error.value.messages) == 2


def test_a_round_list_is_filtered_by_a_typed_department_and_the_old_links_by_id_still_work(client, open_round, reviewer):
    client.force_login(reviewer)
    url = reverse("reviews:round", args=[open_round.pk])
    unknown = client.get(url + "?department=ｻﾞｲｾｲ")
    assert unknown.status_code == 200 and "「ｻﾞｲｾｲ」という部署は見つかりません" in unknown.content.decode()
    typed = client.get(url + "?department=商工観光")
    shoko = Department.objects.get(name="商工観光課")
    by_id = client.get(url + f"?department={shoko.pk}")
    names = {name for response in (typed, by_id) for _, policies in response.context["groups"]
             for _, rows in policies for entry in rows for name in entry.facts.departments}
    assert "商工観光課" in names and typed.context["listing"].page.paginator.count == by_id.context["listing"].page.paginator.count
    assert 'value="商工観光課"' in by_id.content.decode()


def test_a_reviewer_typing_a_character_that_looks_like_a_number_is_told_it_fits_no_department(client, open_round,
                                                                                               reviewer):
    # "²" and "①" are digits to str.isdigit() but not numbers to int(): they are names that fit none.
    client.force_login(reviewer)
    for name in ("reviews:round", "reviews:queue"):
        for typed in ("²", "①"):
            response = client.get(reverse(name, args=[open_round.pk]), {"department": typed})
            assert response.status_code == 200
            assert f"「{typed}」という部署は見つかりません" in response.content.decode()
    with pytest.raises(ValidationError, match="見つかりません"):
        DepartmentsField().clean("²")


def test_a_typed_number_too_long_for_an_id_fits_no_department_instead_of_failing(client, open_round, reviewer):
    # int() refuses more than 4,300 digits: the queue answered 500 to a pasted run of digits.
    client.force_login(reviewer)
    digits = "1" * 4301
    for name in ("reviews:round", "reviews:queue"):
        response = client.get(reverse(name, args=[open_round.pk]), {"department": digits[:80]})
        assert response.status_code == 200 and "という部署は見つかりません" in response.content.decode()
        response = client.get(reverse(name, args=[open_round.pk]), {"department": digits})
        assert response.status_code == 200
        assert "部署名は100文字以内で入力してください（入力は4,301文字です）" in response.content.decode()
    with pytest.raises(ValidationError, match="見つかりません"):
        DepartmentsField().clean("9" * 19)


def test_a_department_typed_with_a_control_character_is_told_so_not_that_it_does_not_exist(departments):
    # The page strips control characters from what it shows, so "商工\x00観光課 does not exist" read as
    # an existing department refused.
    with pytest.raises(ValidationError, match=re.escape("使えない制御文字（U+0000）")):
        DepartmentField().clean("商工\x00観光課")
    with pytest.raises(ValidationError, match=re.escape("使えない制御文字（U+0007）")):
        DepartmentsField().clean("観光課\n地域\x07保健課")


def test_a_refused_extension_shows_why_beside_the_department_typed(client, open_round, reviewer, staff_a):
    url = reverse("reviews:manage-round-extend", args=[open_round.pk])
    client.force_login(reviewer)
    response = client.post(url, {"department": "課", "deadline": "2027-02-01"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "「課」に当たる部署が" in page and 'value="課"' in page
    assert not open_round.extensions.exists()
    # A department's clerk is refused before the form is read: no message about what was typed.
    client.force_login(staff_a)
    refused = client.post(url, {"department": "課", "deadline": "2027-02-01"})
    assert refused.status_code == 403 and "確かめてください" not in refused.content.decode()


def test_a_reviewer_downloading_a_sheet_for_an_ambiguous_department_is_told_which_ones_fit(client, open_round, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("reviews:round-sheet-download", args=[open_round.pk]),
                          {"download-department": "課"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "「課」に当たる部署が" in page and 'value="課"' in page

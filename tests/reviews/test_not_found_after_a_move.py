"""An address that finds nothing: another department's entry stays a 404, indistinguishable from a
missing one, but a signed-in person is told where their own work is, and why an old link of
their former department (April's moves, projects.staff_import) no longer opens."""

import re

import pytest
from django.urls import reverse

from projects import staff_import
from reviews.models import Entry

pytestmark = pytest.mark.django_db

# April's personnel list: the 商工観光課 clerk moves to 地域保健課.
MOVED = "氏名,ログイン名,部署,役割\r\n商工 花子,staff_a,地域保健課,担当課職員\r\n"


def without_tokens(page: str) -> str:
    """The page without its CSRF tokens, which differ on every page drawn."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_a_clerk_moved_in_april_who_opens_an_old_entry_is_pointed_to_their_new_departments_list(
        client, open_round, staff_a):
    old_entry = Entry.objects.get(round=open_round, project__name="企業等誘致事業")
    bookmark = reverse("reviews:entry", args=[old_entry.pk])
    client.force_login(staff_a)
    assert client.get(bookmark).status_code == 200  # in March, their own department's entry

    result = staff_import.parse(MOVED.encode("utf-8"))
    assert result.ok, result.errors
    staff_import.apply(result)
    response = client.get(bookmark)

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>ページが見つかりません</h1>" in page
    assert "所属課の評価ではないか" in page and "異動" in page
    assert "現在の所属: 地域保健課" in page
    assert f'href="{reverse("reviews:round", args=[open_round.pk])}"' in page  # their new department's list
    assert 'aria-label="利用者メニュー"' in page  # on the site's layout, signed in
    # Word for word the page of an entry that does not exist: it never says the entry is there.
    missing = client.get(reverse("reviews:entry", args=[10**9]))
    assert missing.status_code == 404
    assert without_tokens(missing.content.decode()) == without_tokens(page)


def test_a_dead_link_gives_a_signed_in_clerk_their_own_pages_and_a_visitor_the_plain_page(
        client, open_round, staff_b, reviewer):
    client.force_login(staff_b)
    page = client.get("/no-such-page/").content.decode()
    assert "現在の所属: 地域保健課" in page
    assert f'href="{reverse("reviews:round", args=[open_round.pk])}"' in page

    # Reviewers see every entry: nothing is said to them about departments, the links remain.
    client.force_login(reviewer)
    page = client.get("/no-such-page/").content.decode()
    assert "異動" not in page and "現在の所属" not in page
    assert f'href="{reverse("reviews:home")}"' in page

    # Signed out, the page names nobody; the public side keeps its own page.
    client.logout()
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "<h1>ページが見つかりません</h1>" in page
    assert "異動" not in page and "現在の所属" not in page and "利用者メニュー" not in page
    response = client.get("/public/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and "公表された評価だけを掲載しています" in page
    assert "異動" not in page and "現在の所属" not in page

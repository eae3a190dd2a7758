"""Help in the product: a page for each role, linked from every page's header, with whom to ask
as a text the administrators edit."""

import pytest
from django.urls import reverse

from reviews.models import HelpContact

pytestmark = pytest.mark.django_db


def test_a_clerk_sees_what_to_do_this_month_the_excel_path_and_the_states(client, open_round, staff_a):
    client.force_login(staff_a)
    page = client.get(reverse("reviews:help")).content.decode()
    assert "ヘルプ（担当課職員）" in page
    assert "まだ提出していないものが 21 件" in page and "提出期限は" in page
    assert "入力表（Excel）" in page and "この内容で取り込む" in page
    assert "差戻し" in page and "未実施" in page


def test_a_reviewer_sees_the_queue_and_the_lateness(client, open_round, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("reviews:help")).content.decode()
    assert "ヘルプ（企画課 審査担当）" in page and "審査待ちが 0 件、未提出が 68 件" in page


def test_every_page_links_to_help(client, open_round, staff_a):
    client.force_login(staff_a)
    assert reverse("reviews:help") in client.get(reverse("reviews:round", args=[open_round.pk])).content.decode()


def test_whom_to_ask_is_the_text_administrators_edit(client, seed, admin_user, staff_a):
    client.force_login(admin_user)
    client.post(reverse("admin:reviews_helpcontact_add"), {"text": "企画課 政策担当（内線 1234）"})
    assert HelpContact.objects.get().text == "企画課 政策担当（内線 1234）"
    client.force_login(staff_a)
    assert "企画課 政策担当（内線 1234）" in client.get(reverse("reviews:help")).content.decode()


def test_a_reviewer_cannot_edit_whom_to_ask(client, seed, reviewer):
    client.force_login(reviewer)
    assert client.post(reverse("admin:reviews_helpcontact_add"), {"text": "x"}).status_code == 403
    assert not HelpContact.objects.exists()


def test_an_administrator_has_their_own_part_of_the_help(client, open_round, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("reviews:help")).content.decode()
    assert "管理者の仕事" in page and "アクセスの試行" in page and "職員名簿（CSV）を取り込む" in page
    assert "まだ提出していないものが" not in page and "審査待ちが 0 件" in page  # the round, not a clerk's summary

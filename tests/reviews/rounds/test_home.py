"""Signing in and landing on one's own home page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(client):
    response = client.get(reverse("reviews:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_with_no_open_round_a_clerk_lands_on_the_list_of_rounds(client, seed, staff_a):
    response = client.post(reverse("login"), {"username": "staff_a", "password": "pass-for-tests"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("reviews:home")
    assert "いま受付中の評価回はありません" in page
    assert "平成29年度 実施事業評価" in page and "公表済" in page


def test_a_wrong_password_is_explained_in_japanese(client, staff_a):
    response = client.post(reverse("login"), {"username": "staff_a", "password": "wrong"})
    assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()


def test_nothing_is_loaded_from_another_site():
    """The city's network is closed: every script, stylesheet and font is served by us."""
    external = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        assert not external.search(template.read_text(encoding="utf-8")), template

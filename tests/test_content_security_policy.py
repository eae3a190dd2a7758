"""Every page carries a Content-Security-Policy: strict on the app's pages, widened on /admin/ only,
by hashes, for what django-import-export's export page needs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split("; ")}


@pytest.mark.parametrize("name", ["login", "reviews:home", "reviews:notifications", "password_change"])
def test_app_pages_allow_only_our_own_files_and_no_inline_code(client, staff_a, name):
    client.force_login(staff_a)
    directives = policy(client.get(reverse(name)))
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_admin_alone_gets_the_hashes_of_the_export_pages_inline_handler_and_styles(client, admin_user):
    client.force_login(admin_user)
    directives = policy(client.get(reverse("admin:projects_project_export")))
    assert "'unsafe-inline'" not in directives["script-src"] + directives["style-src"]
    assert "'unsafe-hashes'" in directives["script-src"] and len(directives["style-src"]) == 5
    assert policy(client.get(reverse("reviews:home")))["script-src"] == ["'self'"]

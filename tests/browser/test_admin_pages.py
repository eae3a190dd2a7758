"""The admin pages we customised and django-import-export's pages open in a real browser under the
admin's Content-Security-Policy, with nothing refused (the page fixture fails on any violation)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in

pytestmark = pytest.mark.django_db(transaction=True)

# The admin pages we customised meet the app's bar: no serious or critical axe-core violation.
AXE_CHECKED = ("/admin/auth/user/", "/admin/reviews/round/", "/admin/projects/project/export/",
               "/admin/projects/department/export/")


def test_the_admin_pages_run_under_their_content_security_policy(page, live_server, step, demo):
    from django.contrib.auth import get_user_model

    from reviews.models import Entry, Round

    log_in(page, live_server, step, "admin")
    user = get_user_model().objects.get(username="shoko")
    round_ = Round.objects.get(fiscal_year=2018)
    for path, heading in [
        ("/admin/", "管理メニュー"),
        ("/admin/auth/user/", "ユーザー"),
        (f"/admin/auth/user/{user.pk}/change/", "shoko"),
        ("/admin/auth/user/import-staff/", "職員名簿（CSV）の取込み"),
        (f"/admin/reviews/round/{round_.pk}/change/", "評価回"),
        (f"/admin/reviews/round/{round_.pk}/sheet/", "入力表のダウンロード"),
        (f"/admin/reviews/round/{round_.pk}/upload/", "入力表の取込み"),
        ("/admin/reviews/round/load-sheet/", "入力表から評価回を作成"),
        ("/admin/projects/project/", "事業"),
        ("/admin/projects/project/export/", "エクスポート"),
        ("/admin/projects/project/import/", "インポート"),
        ("/admin/projects/department/export/", "エクスポート"),
        ("/admin/reviews/entry/export/", "エクスポート"),
        (f"/admin/reviews/entry/{Entry.objects.filter(round=round_).first().pk}/history/", "女性就労情報提供・支援事業"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_contain_text(heading)
        assert page.locator("script:not([src])").count() == 0  # no inline script in what we added
        if path.startswith(AXE_CHECKED):
            check_accessibility(page)

"""Real-browser tests: Debian's Chromium driven through Playwright, against pytest-django's live server.

Every test here is marked ``browser``. Without Chromium or the Japanese fonts the tests are skipped
on a developer's machine and fail in CI (``CI`` set), so CI can never pass by skipping them.

Helpers for the tests:
- ``page``: a fresh context and page (1366×768, ja-JP) for each test, in a browser shared by all of them;
- ``step(page, name)``: screenshot the page (kept in memory) and run axe on it; when a test fails,
  every step's screenshot and one of the final page are written to
  ``test-artifacts/browser/<test name>/NN-<step>.png`` and the folder is named in the report
  (with ``KEEP_SCREENSHOTS=1`` they are written for passing tests too, to look at the pages);
- ``check_accessibility(page)``: fail on any axe violation of impact "serious" or "critical";
- ``log_in(page, live_server, step, username)`` and ``log_out(page)``: sign a demo user in and out
  through the login page and the user menu (import them from this module).
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

BROWSER_DIR = Path(__file__).resolve().parent
NOTO_CJK_DIR = Path("/usr/share/fonts/opentype/noto")
INSTALL_HINT = (
    "Chromium と日本語フォントがありません。有効にするには: sudo apt-get install -y chromium fonts-noto-cjk"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
FAILING_IMPACTS = ("serious", "critical")

screenshots_key = pytest.StashKey["Screenshots"]()


def log_in(page, live_server, step, username: str) -> None:
    """Sign ``username`` in with the demo password through the login page (checked with ``step``)."""
    from playwright.sync_api import expect

    from reviews.demo.users import DEMO_PASSWORD

    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", level=1, name="ログイン")).to_be_visible()
    step(page, f"{username}-login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("navigation", name="利用者メニュー")).to_contain_text(username)


def log_out(page) -> None:
    """Sign out with the button in the user menu and wait for the login page."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="利用者メニュー").get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", level=1, name="ログイン")).to_be_visible()


def missing_browser_requirements() -> list[str]:
    """What this machine lacks to run the browser tests (empty when it has everything)."""
    missing = []
    if shutil.which("chromium") is None:
        missing.append("chromium が PATH にありません")
    if not NOTO_CJK_DIR.is_dir():
        missing.append(f"Noto CJK フォント（{NOTO_CJK_DIR}）がありません")
    return missing


def require_browser() -> None:
    """Skip (developer machine) or fail (CI) when Chromium or the Japanese fonts are missing."""
    missing = missing_browser_requirements()
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"CI ではブラウザテストを省略できません（{'、'.join(missing)}）。"
            "CI のイメージに sudo apt-get install -y chromium fonts-noto-cjk を追加してください。",
            pytrace=False,
        )
    pytest.skip(INSTALL_HINT)


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items: mark only the ones collected from this folder.
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests, closed after the last of them.

    Package scope rather than session scope: while Playwright's sync API is running, its event loop
    counts as running in the main thread, so Django refuses database access unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Stopping Playwright after the last browser test keeps that
    allowance to these tests only, instead of leaking into every test collected after them.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(transactional_db):
    """What ``manage.py load_demo`` loads: the seed, the open FY2018 round (deadline in 30 days)
    and the demo users, through the same functions. The live server sees it only through a
    transactional database (committed data)."""
    from datetime import timedelta

    from django.utils import timezone

    from projects.fiscal_year import format_fiscal_year
    from reviews.demo.seed import SEED_FISCAL_YEAR, create_demo_round, load_seed
    from reviews.demo.users import create_demo_users
    from reviews.management.commands.load_demo import DEMO_DEADLINE_DAYS, DEMO_FISCAL_YEAR
    from reviews.models import Round

    load_seed()
    demo_round, _ = create_demo_round(
        Round.objects.get(fiscal_year=SEED_FISCAL_YEAR),
        DEMO_FISCAL_YEAR,
        heading=f"{format_fiscal_year(DEMO_FISCAL_YEAR)}の実施内容",
        title=f"{format_fiscal_year(DEMO_FISCAL_YEAR)} 実施事業評価",
        deadline=timezone.localdate() + timedelta(days=DEMO_DEADLINE_DAYS),
    )
    create_demo_users()
    return demo_round


@dataclass
class Screenshots:
    """The steps of one test, kept in memory until the test fails."""

    page: object = None
    steps: list[tuple[str, bytes]] = field(default_factory=list)


@pytest.fixture
def page(request, browser, live_server):
    """A fresh context and page per test. Requests to anything but the live server are blocked:
    the city's network is closed, and axe is injected from the package's own axe.min.js. Any
    Content-Security-Policy violation reported in the console fails the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP")
    allowed = urlsplit(live_server.url).netloc
    blocked: list[str] = []

    def only_the_live_server(route):
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlsplit(url).netloc == allowed:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", only_the_live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Every page runs under the real Content-Security-Policy: anything it refuses is a defect.
    refused: list[str] = []
    page.on("console", lambda message: refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    request.node.stash[screenshots_key] = Screenshots(page=page)
    yield page
    context.close()
    assert not blocked, f"ページが外部に接続しようとしました（遮断済み）: {blocked}"
    assert not refused, "Content-Security-Policy に反する読み込み・実行がありました:\n" + "\n".join(refused)


@pytest.fixture
def step(request):
    """``step(page, name)``: screenshot the page as it is now, then check it with axe."""

    def take(page, name: str) -> None:
        page.wait_for_load_state("load")
        screenshots = request.node.stash[screenshots_key]
        screenshots.steps.append((name, page.screenshot(full_page=True)))
        check_accessibility(page)

    return take


def check_accessibility(page) -> None:
    """Run axe-core (bundled with axe-playwright-python, injected into the page; nothing is fetched)
    and fail on any violation of impact "serious" or "critical"."""
    from axe_playwright_python.sync_playwright import Axe

    # No CSSOM preload: axe would turn the admin's @import-ed stylesheets into <style> elements,
    # which the page's Content-Security-Policy rightly refuses (only css-orientation-lock needs it).
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    violations = [v for v in results.response["violations"] if v.get("impact") in FAILING_IMPACTS]
    if not violations:
        return
    lines = [f"axe がアクセシビリティの重大な問題を見つけました（{page.url}）:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}")
    pytest.fail("\n".join(lines), pytrace=False)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-") or "step"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    screenshots = item.stash.get(screenshots_key, None)
    keep = os.environ.get("KEEP_SCREENSHOTS") == "1"
    if screenshots is None or report.when != "call" or not (report.failed or keep):
        return report
    folder = item.config.rootpath / "test-artifacts" / "browser" / _safe(item.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shots = list(screenshots.steps)
    try:
        shots.append(("final", screenshots.page.screenshot(full_page=True)))
    except Exception as error:  # the page may have crashed; the steps are still worth keeping
        report.sections.append(("browser screenshots", f"最後の画面は撮れませんでした: {error}"))
    for number, (name, png) in enumerate(shots, start=1):
        (folder / f"{number:02d}-{_safe(name)}.png").write_bytes(png)
    if report.failed:
        report.sections.append(("browser screenshots", f"各ステップの画面: {folder}"))
    return report

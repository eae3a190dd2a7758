"""The strategy's memory in a real browser: the administrator renames and splits a department
through 組織・事業の変更 (a form, a preview of what changes, then the change and its record); a
clerk of the split department still reads last year's entries; a project's これまで page shows
the demo's recorded rename. Every page is checked with axe and under the real CSP."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.browser

DEPARTMENT = "商工観光課"
INDUSTRY = "産業振興課"
TOURISM = "観光課"
RENAME_REASON = "令和元年度の組織改正により、商工観光課を産業振興課に改める。"
SPLIT_REASON = "平成30年度の組織改正により、商工観光課を産業振興課と観光課に分ける。"
# Projects of 商工観光課 whose name says they are about tourism go to 観光課; the rest to 産業振興課.
TOURISM_PROJECT = "魅力アップ事業(観光振興)"
INDUSTRY_PROJECT = "企業等誘致事業"


def open_changes(page, step):
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="組織・事業の変更").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("組織・事業の変更")
    step(page, "admin-changes-home")


def test_an_administrator_renames_a_department_from_a_year_and_its_page_keeps_both_names(
    page, live_server, step, demo
):
    from projects.models import Change, Department

    log_in(page, live_server, step, "admin")
    open_changes(page, step)
    page.get_by_role("link", name="部署の名称変更", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("部署の名称変更")
    step(page, "admin-rename-form")
    page.get_by_label("名称を変える部署").fill(DEPARTMENT)
    page.get_by_label("新しい名称").fill(INDUSTRY)
    page.get_by_label("適用する年度").fill("令和元年度")
    page.get_by_label("理由").fill(RENAME_REASON)
    page.get_by_role("button", name="確認する").click()

    preview = page.get_by_role("region", name="この変更で変わること")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text(f"「{DEPARTMENT}」の名称を 令和元年度（2019年度）から「{INDUSTRY}」に変えます。")
    expect(preview).to_contain_text(f"2018年度までの評価回では「{DEPARTMENT}」と表示します")
    # What was typed is still there, and nothing has changed yet.
    expect(page.get_by_label("新しい名称")).to_have_value(INDUSTRY)
    assert Department.objects.filter(name=DEPARTMENT).exists() and not Change.objects.exists()
    step(page, "admin-rename-preview")
    page.get_by_role("button", name="変更を確定する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("部署の名称変更（令和元年度（2019年度）から）")
    expect(page.get_by_role("status")).to_contain_text("部署の名称変更を行いました（令和元年度（2019年度）から）。")
    expect(page.get_by_text(RENAME_REASON)).to_be_visible()
    expect(page.get_by_role("list").filter(has=page.get_by_role("link", name=INDUSTRY, exact=True))).to_be_visible()
    step(page, "admin-rename-record")

    # The record is on the home page of 組織・事業の変更, newest first.
    page.get_by_role("navigation", name="現在位置").get_by_role("link", name="組織・事業の変更").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("組織・事業の変更")
    records = page.get_by_role("region", name="変更の記録（新しい順、50件まで）")
    record = records.get_by_role("row").filter(has=page.get_by_role("rowheader", name="令和元年度（2019年度）から"))
    expect(record).to_have_count(1)
    expect(record.get_by_role("link", name="部署の名称変更")).to_be_visible()
    expect(record).to_contain_text(RENAME_REASON)
    expect(record).to_contain_text("管理 者（admin）")
    step(page, "admin-changes-home-with-record")

    # The department's page, from the list of current departments, lists both names by year.
    departments = page.get_by_role("region", name="部署")
    expect(departments.get_by_role("link", name=DEPARTMENT, exact=True)).to_have_count(0)
    departments.get_by_role("link", name=INDUSTRY, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{INDUSTRY} の経過")
    names = page.get_by_role("region", name="名称").get_by_role("table")
    expect(names.get_by_role("row")).to_have_count(3)
    expect(names.get_by_role("row").filter(has=page.get_by_role("rowheader", name="平成30年度（2018年度）まで"))
           .get_by_role("cell")).to_have_text([DEPARTMENT])
    expect(names.get_by_role("row").filter(has=page.get_by_role("rowheader", name="令和元年度（2019年度）から"))
           .get_by_role("cell")).to_have_text([INDUSTRY])
    expect(page.get_by_role("region", name="変更の記録").get_by_role("link", name="部署の名称変更")).to_be_visible()
    step(page, "admin-department-page")


def test_a_split_in_two_steps_and_the_clerk_still_reads_last_years_entries(page, live_server, step, demo):
    from projects.models import Department, Project
    from reviews.models import Entry

    projects = list(Project.objects.filter(project_departments__department__name=DEPARTMENT).distinct())
    tourism = [p for p in projects if "観光" in p.name]
    assert projects and tourism and len(tourism) < len(projects)
    assert Department.objects.get(name=DEPARTMENT).memberships.filter(user__username="shoko").exists()

    log_in(page, live_server, step, "admin")
    open_changes(page, step)
    page.get_by_role("link", name="部署の分割", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("部署の分割")
    page.get_by_label("分割する部署").fill(DEPARTMENT)
    page.get_by_label("分割後の部署").fill(f"{INDUSTRY}\n{TOURISM}")
    page.get_by_label("適用する年度").fill("平成30年度")
    page.get_by_label("理由").fill(SPLIT_REASON)
    step(page, "admin-split-form")
    page.get_by_role("button", name="次へ（引継ぎ先を選ぶ）").click()

    # Step 2: which part takes each project and each member.
    assignment = page.get_by_role("group", name=f"事業（{len(projects)}件）")
    expect(assignment).to_be_visible()
    expect(assignment.get_by_role("combobox")).to_have_count(len(projects))
    expect(page.get_by_role("group", name="職員（1件）").get_by_role("combobox")).to_have_count(1)
    step(page, "admin-split-assignment")
    # Everything to the industry part at once, then the tourism projects one by one.
    page.get_by_label("まとめて選ぶ（下で選ばなかったものの引継ぎ先）").select_option(label=INDUSTRY)
    for project in tourism:
        assignment.get_by_label(f"事業「{project.name}」", exact=True).select_option(label=TOURISM)
    page.get_by_role("button", name="確認する").click()

    preview = page.get_by_role("region", name="この変更で変わること")
    expect(preview).to_contain_text(f"「{DEPARTMENT}」を 平成30年度（2018年度）から")
    expect(preview).to_contain_text(f"「{TOURISM}」（新設）: 事業 {len(tourism)} 件")
    expect(preview).to_contain_text(f"事業 {len(projects) - len(tourism)} 件")
    expect(preview).to_contain_text("職員 1 人（商工 花子）")
    assert Department.objects.get(name=DEPARTMENT).last_year is None
    step(page, "admin-split-preview")
    page.get_by_role("button", name="変更を確定する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("部署の分割（平成30年度（2018年度）から）")
    expect(page.get_by_role("status")).to_contain_text("部署の分割を行いました（平成30年度（2018年度）から）。")
    related = page.get_by_role("list").filter(has=page.get_by_role("link", name=TOURISM, exact=True))
    for name in (DEPARTMENT, INDUSTRY, TOURISM):
        expect(related.get_by_role("link", name=name, exact=True)).to_be_visible()
    step(page, "admin-split-record")

    # The old department is listed as ended; its page says who took over.
    page.get_by_role("navigation", name="現在位置").get_by_role("link", name="組織・事業の変更").click()
    page.get_by_role("region", name="部署").get_by_role("link", name=DEPARTMENT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{DEPARTMENT} の経過")
    expect(page.get_by_text("この部署は 平成29年度（2017年度）までの部署です")).to_be_visible()
    succession = page.get_by_role("region", name="引継ぎ")
    expect(succession.get_by_role("link", name=INDUSTRY, exact=True)).to_be_visible()
    expect(succession.get_by_role("link", name=TOURISM, exact=True)).to_be_visible()
    step(page, "admin-old-department-page")
    log_out(page)

    # The clerk, now of 産業振興課: this year's list holds the projects her department took, and
    # last year's (FY2017) still every entry of 商工観光課, the tourism ones too; they open.
    log_in(page, live_server, step, "shoko")
    round_list = page.get_by_role("navigation", name="評価回の一覧")
    round_list.get_by_role("link", name=re.compile("平成30年度")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("平成30年度")
    entries = page.locator("table.entry-table").get_by_role("rowheader")
    expect(entries.get_by_role("link", name=INDUSTRY_PROJECT, exact=True)).to_be_visible()
    expect(entries.get_by_role("link", name=TOURISM_PROJECT, exact=True)).to_have_count(0)
    expect(entries).to_have_count(len(projects) - len(tourism))
    step(page, "shoko-this-year")

    round_list.get_by_role("link", name=re.compile("平成29年度")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("平成29年度")
    expect(entries).to_have_count(Entry.objects.filter(round__fiscal_year=2017, project__in=projects).count())
    expect(entries.get_by_role("link", name=INDUSTRY_PROJECT, exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(TOURISM_PROJECT))))
    expect(row).to_contain_text(DEPARTMENT)
    step(page, "shoko-last-year")
    row.get_by_role("link", name=TOURISM_PROJECT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TOURISM_PROJECT)
    expect(page.get_by_text("公表済みの評価回です。内容は変更できません。")).to_be_visible()
    step(page, "shoko-last-year-entry")


def test_a_projects_story_shows_the_demos_recorded_rename(page, live_server, step, demo):
    from reviews.demo.changes import NEW_NAME, OLD_NAME, record_demo_changes

    assert record_demo_changes() == 1  # what load_demo records; the demo fixture does not

    log_in(page, live_server, step, "shoko")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=NEW_NAME, exact=True))
    expect(row).to_have_count(1)
    row.get_by_role("link", name="これまで").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{NEW_NAME} のこれまでの評価")

    lineage = page.get_by_role("region", name="事業の変遷")
    expect(lineage).to_be_visible()
    names = lineage.get_by_role("table", name="名称")
    expect(names.get_by_role("row").filter(has=page.get_by_role("rowheader", name="平成29年度（2017年度）まで"))
           .get_by_role("cell")).to_have_text([OLD_NAME])
    expect(names.get_by_role("row").filter(has=page.get_by_role("rowheader", name="平成30年度（2018年度）から"))
           .get_by_role("cell")).to_have_text([NEW_NAME])
    record = lineage.get_by_role("row").filter(has=page.get_by_role("rowheader", name="平成30年度（2018年度）から"))
    record = record.filter(has_text="事業の名称変更")
    expect(record).to_have_count(1)
    expect(record).to_contain_text("デモ用の記録です。")
    expect(record).to_contain_text("管理 者（admin）")
    # A department reads the record, but the record page is the administrators': no link.
    expect(record.get_by_role("link")).to_have_count(0)
    # The published FY2017 chapter keeps the name it had then.
    expect(page.get_by_text(f"このときの事業名: {OLD_NAME}")).to_be_visible()
    step(page, "shoko-project-story")
    log_out(page)

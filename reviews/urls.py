from django.urls import path

from reviews.changes import views as changes
from reviews.entries import views as entries
from reviews.kpis import views as kpis
from reviews.results import committee_views as committee
from reviews.results import views as results
from reviews.rounds import manage_views as manage
from reviews.rounds import views as rounds
from reviews.search import views as search
from reviews.sheets import views as sheets

app_name = "reviews"

urlpatterns = [
    path("", rounds.home, name="home"),
    path("rounds/<int:pk>/", rounds.round_entries, name="round"),
    path("rounds/<int:pk>/queue/", rounds.queue, name="queue"),
    path("entries/<int:pk>/", entries.entry_detail, name="entry"),
    path("entries/<int:pk>/edit/", entries.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/withdraw/", entries.entry_withdraw, name="entry-withdraw"),
    path("entries/<int:pk>/return/", entries.entry_return, name="entry-return"),
    path("entries/<int:pk>/approve/", entries.entry_approve, name="entry-approve"),
    path("entries/<int:pk>/reopen/", entries.entry_reopen, name="entry-reopen"),
    path("entries/<int:pk>/memo/", entries.entry_memo, name="entry-memo"),
    path("entries/<int:pk>/message/", entries.entry_message, name="entry-message"),
    path("entries/<int:pk>/kpis/", kpis.entry_kpis, name="entry-kpis"),
    path("rounds/<int:pk>/kpis/", kpis.round_reports, name="round-kpis"),
    path("rounds/<int:pk>/kpis/sheet/", kpis.kpi_sheet, name="kpi-sheet"),
    path("rounds/<int:pk>/kpis/sheet/download/", kpis.kpi_sheet_download, name="kpi-sheet-download"),
    path("rounds/<int:pk>/kpis/sheet/confirm/", kpis.kpi_sheet_confirm, name="kpi-sheet-confirm"),
    path("kpi-reports/<int:pk>/", kpis.report_detail, name="kpi-report"),
    path("kpi-actuals/<int:pk>/amend/", kpis.amend, name="kpi-amend"),
    path("kpi-reports/<int:pk>/edit/", kpis.report_edit, name="kpi-report-edit"),
    path("kpi-reports/<int:pk>/<str:action>/", kpis.report_action, name="kpi-report-action"),
    path("help/", rounds.help_page, name="help"),
    path("search/", search.search_page, name="search"),
    path("projects/<int:pk>/story/", results.story, name="project-story"),
    path("results/", results.results_home, name="results"),
    path("rounds/<int:pk>/summary/", results.summary, name="round-summary"),
    path("rounds/<int:pk>/summary/download/", results.summary_download, name="round-summary-download"),
    path("rounds/<int:pk>/packet/", results.packet, name="round-packet"),
    path("rounds/<int:pk>/packet/download/", results.packet_download, name="round-packet-download"),
    path("rounds/<int:pk>/opinions/", committee.round_opinions, name="round-opinions"),
    path("opinions/<int:pk>/", committee.opinion_detail, name="opinion"),
    path("opinions/<int:pk>/edit/", committee.opinion_edit, name="opinion-edit"),
    path("opinions/<int:pk>/delete/", committee.opinion_delete, name="opinion-delete"),
    path("rounds/<int:pk>/answers/", committee.round_answers, name="round-answers"),
    path("answers/<int:pk>/", committee.answer_detail, name="answer"),
    path("answers/<int:pk>/edit/", committee.answer_edit, name="answer-edit"),
    path("answers/<int:pk>/<str:action>/", committee.answer_action, name="answer-action"),
    path("notifications/", rounds.notification_list, name="notifications"),
    path("notifications/read/", rounds.notifications_read, name="notifications-read"),
    path("rounds/<int:pk>/sheet/", sheets.sheet_page, name="round-sheet"),
    path("rounds/<int:pk>/sheet/download/", sheets.sheet_download, name="round-sheet-download"),
    path("rounds/<int:pk>/sheet/upload/", sheets.sheet_upload, name="round-sheet-upload"),
    path("rounds/<int:pk>/sheet/confirm/", sheets.sheet_confirm, name="round-sheet-confirm"),
    path("sheet-uploads/<int:pk>/file/", sheets.upload_file, name="sheet-upload-file"),
    path("manage/rounds/", manage.round_list, name="manage-rounds"),
    path("manage/rounds/new/", manage.round_create, name="manage-round-create"),
    path("manage/rounds/<int:pk>/", manage.round_manage, name="manage-round"),
    path("manage/rounds/<int:pk>/state/<str:action>/", manage.round_change_state, name="manage-round-state"),
    path("manage/rounds/<int:pk>/add-projects/", manage.round_add_projects, name="manage-round-add-projects"),
    path("manage/rounds/<int:pk>/deadline/", manage.round_set_deadline, name="manage-round-deadline"),
    path("manage/rounds/<int:pk>/extend/", manage.round_extend, name="manage-round-extend"),
    path("rounds/<int:pk>/progress/", manage.progress, name="progress"),
    path("rounds/<int:pk>/approve-selected/", manage.approve_selected, name="approve-selected"),
    path("changes/", changes.home, name="changes"),
    path("changes/<int:pk>/", changes.change_record, name="changes-record"),
    path("changes/departments/<int:pk>/", changes.department_page, name="department"),
    path("changes/department-rename/", changes.department_rename, name="changes-department-rename"),
    path("changes/department-merge/", changes.department_merge, name="changes-department-merge"),
    path("changes/department-split/", changes.department_split, name="changes-department-split"),
    path("changes/project-departments/", changes.project_departments, name="changes-project-departments"),
    path("changes/project-rename/", changes.project_rename, name="changes-project-rename"),
    path("changes/project-merge/", changes.project_merge, name="changes-project-merge"),
    path("changes/project-retire/", changes.project_retire, name="changes-project-retire"),
    path("changes/strategy-carry/", changes.strategy_carry, name="changes-strategy-carry"),
]

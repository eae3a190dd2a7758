from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from projects.access import is_administrator
from projects.admin import FlatSheetAdminMixin
from projects.fiscal_year import format_fiscal_year_with_western
from reviews.models import (
    Answer,
    AnswerEvent,
    DeadlineExtension,
    Entry,
    Event,
    HelpContact,
    MailDelivery,
    Message,
    Notification,
    Opinion,
    ReminderLog,
    Round,
    RoundEvent,
    SheetDownload,
    SheetUpload,
    TextRepair,
)
from reviews.resources import EntryExportResource
from reviews.sheets import admin_views as admin_sheets


class RecordedValues(HistoricalRecordContextHelper):
    """A field's old and new value on a history page, empty where it had none: the package prints
    Python's None, and an empty link as a deleted object "(pk=None)"."""

    def prepare_delta_change_value(self, change, value):
        if value is None or (isinstance(value, DeletedObject) and value.pk is None):
            return ""
        return super().prepare_delta_change_value(change, value)


class HistoryAdmin(SimpleHistoryAdmin):
    def get_historical_record_context_helper(self, request, historical_record):
        return RecordedValues(self.model, historical_record)


class ReadOnlyAdminMixin:
    """Entries and events change only through the workflow, never by editing in the admin."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history's page of an old version saves a POST without asking has_change_permission:
        # it would revert an entry of a published round, or an answer past its workflow.
        if request.method == "POST":
            raise PermissionDenied("この記録は管理画面から変更できません。")
        return super().history_form_view(request, object_id, version_id, extra_context)


ROUND_FIXED = (
    "この評価回は「{state}」のため、ここでは変更できません。"
    "受付・締切・公表などの操作は評価回の画面から行います（操作は記録されます）。"
)


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "fiscal_year_display", "strategy", "state", "deadline"]
    list_filter = ["state", "strategy"]
    list_select_related = ["strategy"]
    search_fields = ["title", "implementation_heading"]
    change_form_template = "admin/reviews/round/change_form_with_sheet.html"
    change_list_template = "admin/reviews/round/change_list_with_sheet.html"

    @admin.display(description="年度", ordering="fiscal_year")
    def fiscal_year_display(self, round_: Round) -> str:
        return format_fiscal_year_with_western(round_.fiscal_year)

    def has_add_permission(self, request) -> bool:
        # Rounds are made from the last one on the reviewers' screens (reviews.rounds.create_round),
        # or from a sheet by an administrator: never as a bare form that skips their entries.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state == Round.State.PREPARING:
            # docs/domain.md: while preparing, the planning division edits the heading, legend and deadline.
            return ["strategy", "fiscal_year_display", "state", "created_at", "updated_at"]
        # Once departments can see it, a round changes only through the screens, which record it.
        return ["fiscal_year_display", *(f.name for f in Round._meta.fields if f.name not in ("id", "fiscal_year"))]

    def get_exclude(self, request, obj=None):
        return ["fiscal_year"]  # shown as 令和元年度（2019年度） instead

    def has_delete_permission(self, request, obj=None) -> bool:
        # A round is the record of its year: its entries, events and uploads refer to it for good.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        round_ = self.get_object(request, object_id)
        if round_ is None or round_.state == Round.State.PREPARING:
            return super().change_view(request, object_id, form_url, extra_context)
        # Every field is read-only once departments can see the round: a 保存 button would only
        # report a change that was never made. (Its sheet is still loaded from the page's link.)
        if request.method == "POST":
            messages.error(request, ROUND_FIXED.format(state=round_.get_state_display()))
            return redirect(request.path)
        fixed = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False,
                 "show_delete": False, "round_fixed": ROUND_FIXED.format(state=round_.get_state_display())}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **fixed})

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_load_sheet": is_administrator(request.user)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        own = [
            path("load-sheet/", self.admin_site.admin_view(self.new_round_view), name="reviews_round_load_sheet"),
            path("<int:object_id>/sheet/", self.admin_site.admin_view(self.download_view),
                 name="reviews_round_sheet"),
            path("<int:object_id>/upload/", self.admin_site.admin_view(self.upload_view),
                 name="reviews_round_upload"),
        ]
        return own + super().get_urls()

    def download_view(self, request, object_id):
        return admin_sheets.download_view(self, request, object_id)

    def upload_view(self, request, object_id):
        return admin_sheets.upload_view(self, request, object_id)

    def new_round_view(self, request):
        return admin_sheets.new_round_view(self, request)


@admin.register(SheetUpload)
class SheetUploadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["uploaded_at", "original_name", "round", "kind", "department", "uploaded_by", "file_link"]
    list_filter = ["round", "kind", "department"]
    search_fields = ["original_name"]
    list_select_related = ["round", "department", "uploaded_by"]
    # The file is no URL under MEDIA_URL (nothing serves it, and it may live in the database): it is
    # downloaded through the screens' view, which checks who asks.
    exclude = ["file"]
    readonly_fields = ["file_link"]

    @admin.display(description="ファイル")
    def file_link(self, upload: SheetUpload) -> str:
        if not upload.file:
            return "—"
        return format_html('<a href="{}" download>{}</a>', reverse("reviews:sheet-upload-file", args=[upload.pk]),
                           "ダウンロード")


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Event
    fields = ["created_at", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = fields
    extra = 0


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdminMixin, FlatSheetAdminMixin, ExportMixin, HistoryAdmin):
    resource_classes = [EntryExportResource]
    list_display = ["project", "round", "status", "state", "updated_by", "updated_at"]
    # Filters that list their own choices (rounds, goals), never ones found by scanning every entry
    # of every round (a big city has 50,000); a department is found by typing it in the search.
    list_filter = ["round", "state", "status", "project__policy__goal"]
    search_fields = ["project__name", "project__departments__name", "implementation", "evaluation", "future_policy"]
    list_select_related = ["round", "project", "updated_by"]
    show_full_result_count = False  # no second COUNT(*) of every entry on each page
    # Newest first, read from the primary key's index: the model's sheet order joined and sorted
    # every entry of every round to show a page of 100.
    ordering = ["-pk"]
    inlines = [EventInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "entry", "action", "from_state", "to_state", "actor"]
    list_filter = ["action", "entry__round"]
    search_fields = ["entry__project__name", "comment"]
    list_select_related = ["entry__round", "entry__project", "actor"]


@admin.register(RoundEvent)
class RoundEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "round", "action", "from_state", "to_state", "actor"]
    list_filter = ["round", "action"]
    search_fields = ["comment"]


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["round", "department", "deadline", "granted_by", "granted_at"]
    list_filter = ["round", "department"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "entry", "author"]
    list_filter = ["entry__round"]
    search_fields = ["body", "entry__project__name"]
    list_select_related = ["entry__round", "entry__project", "author"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "text", "read_at"]
    list_filter = ["read_at"]
    search_fields = ["text", "user__username"]


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_on", "round", "department", "late", "recipients"]
    list_filter = ["round", "department", "late"]


@admin.register(TextRepair)
class TextRepairAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["repaired_at", "table", "object_id", "field"]
    list_filter = ["table", "field"]
    search_fields = ["before", "after", "object_id"]


@admin.register(MailDelivery)
class MailDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every email sent or failed; filter by 送信失敗 to see what did not arrive."""

    list_display = ["created_at", "status", "kind", "address", "subject"]
    list_filter = ["status", "kind"]
    search_fields = ["address", "subject", "error"]


@admin.register(SheetDownload)
class SheetDownloadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["downloaded_at", "round", "department", "with_memo", "downloaded_by"]
    list_filter = ["round", "department", "with_memo"]
    list_select_related = ["round", "department", "downloaded_by"]


@admin.register(HelpContact)
class HelpContactAdmin(admin.ModelAdmin):
    """One text; administrators edit it, reviewers may look."""

    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return is_administrator(request.user) and not HelpContact.objects.exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Opinions are recorded and edited on the round's 委員会意見 page, where the rules apply."""

    list_display = ["round", "subject", "project", "policy", "goal", "updated_at"]
    list_filter = ["round", "subject"]
    search_fields = ["text", "project__name", "policy__title", "goal__title"]
    list_select_related = ["round", "project", "policy", "goal"]


class AnswerEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AnswerEvent
    extra = 0
    fields = ["created_at", "action", "from_state", "to_state", "actor", "comment"]
    readonly_fields = fields


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdminMixin, HistoryAdmin):
    """Answers change only through their workflow (reviews.results.answers)."""

    list_display = ["round", "opinion", "department", "state", "updated_at"]
    list_filter = ["round", "state"]
    search_fields = ["text", "department__name"]
    list_select_related = ["round", "opinion__round", "opinion__project", "opinion__policy", "opinion__goal",
                           "department"]
    inlines = [AnswerEventInline]

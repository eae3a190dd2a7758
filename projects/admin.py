import base64
import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core import signing
from django.core.exceptions import FieldError, PermissionDenied, SuspiciousFileOperation, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.timezone import localdate
from import_export.admin import ImportExportModelAdmin
from import_export.forms import SelectableFieldsExportForm

from projects import staff_import
from projects.access import is_administrator
from projects.fiscal_year import format_fiscal_year_with_western
from projects.formats import FLAT_FORMATS
from projects.forms import as_id, file_messages
from projects.models import (
    Change,
    Department,
    Goal,
    Kpi,
    KpiTarget,
    Membership,
    Policy,
    Project,
    ProjectDepartment,
    RatingScale,
    StaffProfile,
    Strategy,
)
from projects.resources import (
    DepartmentResource,
    GoalResource,
    KpiResource,
    KpiTargetResource,
    PolicyResource,
    ProjectResource,
)
from projects.text import unsafe_character_message

logger = logging.getLogger(__name__)

admin.site.site_header = "入間市 総合戦略 実施事業評価 管理画面"
admin.site.site_title = "実施事業評価 管理画面"
admin.site.index_title = "管理メニュー"


class JapaneseExportForm(SelectableFieldsExportForm):
    """The export page's column checkboxes under the column names the file will carry (部署名), not
    django-import-export's English attribute title beside them ("Name (部署名)")."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


class FlatSheetAdminMixin:
    """CSV (UTF-8 or cp932) and XLSX for the admin's flat import and export."""

    formats = FLAT_FORMATS
    export_form_class = JapaneseExportForm

    def export_filename(self, file_format) -> str:
        """The file as a clerk will find it in their downloads: 部署_2026-12-06.csv, not Department-2026-12-06.csv."""
        return f"{self.model._meta.verbose_name}_{localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        # django-import-export writes filename="..." as is, which cannot carry a Japanese name.
        response["Content-Disposition"] = content_disposition_header(True, self.export_filename(file_format))
        return response

    def export_action(self, request):
        """An export address with conditions the list does not know (a stale link, a typed one):
        the list itself redirects with ?e=1; django-import-export's export fails with a 500."""
        try:
            return super().export_action(request)
        except (IncorrectLookupParameters, FieldError, ValueError, ValidationError):
            if not request.GET:
                raise  # not a condition of the address: a real fault, for the log and the 500 page
            logger.warning("Export refused the conditions %r", request.GET.urlencode()[:200], exc_info=True)
            messages.error(request, "絞り込みの条件を読み取れませんでした。条件を外した書き出し画面を開きました。")
            return redirect(request.path)


class AdministratorImportMixin(FlatSheetAdminMixin):
    """Flat imports rewrite the hierarchy: only administrators may run them."""

    def has_import_permission(self, request) -> bool:
        return is_administrator(request.user)

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        # django-import-export's own message is English and names the Python exception.
        form.add_error("import_file", FLAT_FILE_UNREADABLE)

    def process_import(self, request, **kwargs):
        """The confirmation, sent a second time (a double click, the browser's back button, a
        second tab) or after the preview's file was cleared away, finds no file: say so."""
        opts = self.model._meta
        chosen = as_id(request.POST.get("format", ""))
        if request.method == "POST" and (chosen is None or chosen >= len(self.get_import_formats())):
            # The hidden fields of the confirmation came back changed: nothing to confirm.
            messages.error(request, FLAT_IMPORT_GONE)
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")
        try:
            return super().process_import(request, **kwargs)
        except (FileNotFoundError, SuspiciousFileOperation):
            messages.error(request, FLAT_IMPORT_GONE)
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")


FLAT_FILE_UNREADABLE = (
    "ファイルを読み込めませんでした。選んだ形式（CSV または XLSX）がファイルと合っているか、"
    "CSV は UTF-8 か Shift_JIS（cp932）で保存されているかを確かめてください。"
)
FLAT_IMPORT_GONE = (
    "この取り込みは、すでに実行されたか、確認画面から1日が過ぎて取り消されています。"
    "一覧で結果を確かめ、必要ならファイルをもう一度選んでください。"
)


# Names and departments of what already exists change through 組織・事業の変更 (reviews.changes),
# which keeps what they were for the rounds of earlier years; editing them here would rewrite them.
HISTORY_NOTE = "名称・担当課の変更、統合・分割・終了は、画面上部の「組織・事業の変更」から行います（年度ごとの履歴が残ります）。"


class ProjectDepartmentInline(admin.TabularInline):
    """A new project's departments; an existing project's change through 組織・事業の変更."""

    model = ProjectDepartment
    extra = 1
    autocomplete_fields = ["department"]

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_delete_permission(request, obj)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    extra = 0


class MembershipInline(admin.TabularInline):
    """On a department's page: its members, found by name (a city has thousands of staff)."""

    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class UserMembershipInline(admin.StackedInline):
    """On a person's page: their departments, as a plain select (the autocomplete widget's
    combobox has no accessible name, which axe-core reports as serious)."""

    model = Membership
    extra = 1


@admin.register(Department)
class DepartmentAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    resource_classes = [DepartmentResource]
    list_display = ["name", "parent", "first_year", "last_year"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter), ("last_year", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        return ["name", "first_year", "last_year"] if obj else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        return [(None, {"fields": ["name", "parent", "first_year", "last_year"], "description": HISTORY_NOTE})]


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "period", "code"]
    search_fields = ["name"]

    @admin.display(description="期間", ordering="first_year")
    def period(self, strategy: Strategy) -> str:
        years = [format_fiscal_year_with_western(y) for y in (strategy.first_year, strategy.last_year) if y]
        return "〜".join(years)


@admin.register(Goal)
class GoalAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    resource_classes = [GoalResource]
    list_display = ["number", "title", "project_label", "strategy"]
    list_display_links = ["number", "title"]
    list_filter = ["strategy"]
    search_fields = ["title", "project_label"]


@admin.register(Policy)
class PolicyAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    resource_classes = [PolicyResource]
    list_display = ["title", "goal", "order"]
    list_filter = ["goal__strategy", "goal"]
    search_fields = ["title"]
    list_select_related = ["goal"]


@admin.register(Project)
class ProjectAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    resource_classes = [ProjectResource]
    list_display = ["name", "policy", "category", "department_names", "active"]
    list_filter = ["policy__goal", "category", "active", "departments"]
    search_fields = ["name", "description", "departments__name"]
    list_select_related = ["policy"]
    inlines = [ProjectDepartmentInline]

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj else []

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [(None, {**fieldsets[0][1], "description": HISTORY_NOTE})]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("project_departments__department")

    @admin.display(description="担当課")
    def department_names(self, project: Project) -> str:
        return "、".join(d.name for d in project.ordered_departments())


class KpiTargetInline(admin.TabularInline):
    model = KpiTarget
    extra = 0


@admin.register(Kpi)
class KpiAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    """KPIs per strategy; flat CSV/XLSX import and export with Japanese columns (KpiResource)."""

    resource_classes = [KpiResource]
    list_display = ["name", "level", "owner", "unit", "direction", "baseline", "target", "department"]
    list_filter = ["strategy", "level", "direction", "department"]
    search_fields = ["name", "definition", "source"]
    list_select_related = ["goal", "policy", "project", "department"]
    inlines = [KpiTargetInline]

    @admin.display(description="対象")
    def owner(self, kpi: Kpi) -> str:
        return str(kpi.goal or kpi.policy or kpi.project or "")

    @admin.display(description="基準値（年度）")
    def baseline(self, kpi: Kpi) -> str:
        return f"{kpi.baseline_value.normalize():f}{kpi.unit}（{kpi.baseline_year}）"

    @admin.display(description="目標値（年度）")
    def target(self, kpi: Kpi) -> str:
        return f"{kpi.target_value.normalize():f}{kpi.unit}（{kpi.target_year}）"


@admin.register(KpiTarget)
class KpiTargetAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    """Yearly targets one by one, and their flat import and export (KpiTargetResource)."""

    resource_classes = [KpiTargetResource]
    list_display = ["kpi", "year", "value"]
    list_filter = ["kpi__strategy"]
    search_fields = ["kpi__name"]
    list_select_related = ["kpi"]


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["strategy", "name", "symbols", "thresholds"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department"]
    list_filter = ["department"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "department__name"]
    autocomplete_fields = ["user", "department"]


STAFF_TOKEN_SALT = "projects.staff_import"


# Memberships are edited on the user's page too: that is where April's moves are made.
User = get_user_model()
admin.site.unregister(User)


class StaffCsvForm(forms.Form):
    file = forms.FileField(label="職員名簿（CSV: 氏名, ログイン名, 部署, 役割［, メールアドレス］）",
                           error_messages=file_messages("職員名簿の CSV ファイル"))


class LeaversForm(forms.Form):
    deactivate_leavers = forms.BooleanField(
        label="名簿にない職員（上の一覧）の利用を停止し、所属を外す（退職・転出した人の場合）", required=False)


class StaffUserChangeForm(UserChangeForm):
    """A person's names and address are one line each, printed in the header, lists, history and
    mail: control characters, line breaks and tabs are refused, as in every other field."""

    def clean(self):
        cleaned = super().clean()
        for name in ("first_name", "last_name", "email"):
            value = cleaned.get(name)
            if not isinstance(value, str):
                continue
            label = self.fields[name].label
            if problem := unsafe_character_message(value, label):
                self.add_error(name, problem)
            elif any(character in "\r\n\t" for character in value):
                self.add_error(name, f"{label}に改行やタブは使えません。")
        return cleaned


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    form = StaffUserChangeForm
    inlines = [UserMembershipInline, StaffProfileInline]
    # Plain selects instead of the two-box filter, whose search icons carry an aria-label that axe
    # reports as prohibited; roles are given by the staff import anyway. Sign-in dates are records.
    filter_horizontal = ()
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "last_name", "first_name", "is_active", "is_staff", "is_superuser"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "memberships__department"]
    change_list_template = "admin/auth/user/change_list_with_import.html"
    actions = ["issue_initial_passwords"]

    def get_urls(self):
        own = [path("import-staff/", self.admin_site.admin_view(self.import_staff_view), name="auth_user_import_staff")]
        return own + super().get_urls()

    def import_staff_view(self, request):
        """April's personnel changes from a CSV: a preview of every change, then one confirmation."""
        if not is_administrator(request.user):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": "職員名簿（CSV）の取込み", "opts": self.opts}
        if request.method == "POST" and "token" in request.POST:
            try:
                data = signing.loads(request.POST["token"], salt=STAFF_TOKEN_SALT, max_age=60 * 60)
            except signing.BadSignature:
                messages.error(request, "確認の期限が切れたか、正しくない操作です。もう一度ファイルを選んでください。")
                return redirect(request.path)
            result = staff_import.parse(base64.b64decode(data))
            if result.ok:
                leavers = LeaversForm(request.POST)
                staff_import.apply(result, by=request.user, deactivate_leavers=leavers.is_valid()
                                   and leavers.cleaned_data["deactivate_leavers"])
            return TemplateResponse(request, "admin/auth/user/import_staff.html",
                                    {**context, "result": result, "form": StaffCsvForm()})
        form = StaffCsvForm(request.POST or None, request.FILES or None)
        result = token = None
        if request.method == "POST" and form.is_valid():
            content = form.cleaned_data["file"].read()
            result = staff_import.parse(content)
            if result.ok:
                token = signing.dumps(base64.b64encode(content).decode(), salt=STAFF_TOKEN_SALT)
        return TemplateResponse(request, "admin/auth/user/import_staff.html",
                                {**context, "form": form, "result": result, "token": token,
                                 "leavers_form": LeaversForm()})

    @admin.action(description="初期パスワードを発行する（次回ログイン時に変更が必要）")
    def issue_initial_passwords(self, request, queryset):
        if not is_administrator(request.user):
            raise PermissionDenied
        issued = [(user, staff_import.issue_initial_password(user)) for user in queryset]
        context = {**self.admin_site.each_context(request), "title": "初期パスワード", "opts": self.opts,
                   "issued": issued}
        return TemplateResponse(request, "admin/auth/user/initial_passwords.html", context)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The record of every guided change: read only (changes are made in 組織・事業の変更)."""

    list_display = ["made_at", "kind", "effective_year", "made_by"]
    list_filter = ["kind", "effective_year"]
    search_fields = ["summary", "reason"]
    list_select_related = ["made_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

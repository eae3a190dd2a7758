from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from import_export.admin import ImportExportModelAdmin

from projects.formats import FLAT_FORMATS
from projects.models import Department, Goal, Membership, Policy, Project, ProjectDepartment, Strategy
from projects.resources import DepartmentResource, GoalResource, PolicyResource, ProjectResource
from reviews.access import is_administrator

admin.site.site_header = "入間市 総合戦略 実施事業評価 管理画面"
admin.site.site_title = "実施事業評価 管理画面"
admin.site.index_title = "管理メニュー"


class FlatSheetAdminMixin:
    """CSV (UTF-8 or cp932) and XLSX for the admin's flat import and export."""

    formats = FLAT_FORMATS


class AdministratorImportMixin(FlatSheetAdminMixin):
    """Flat imports rewrite the hierarchy: only administrators may run them."""

    def has_import_permission(self, request) -> bool:
        return is_administrator(request.user)


class ProjectDepartmentInline(admin.TabularInline):
    model = ProjectDepartment
    extra = 1
    autocomplete_fields = ["department"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user", "department"]


@admin.register(Department)
class DepartmentAdmin(AdministratorImportMixin, ImportExportModelAdmin):
    resource_classes = [DepartmentResource]
    list_display = ["name", "parent"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "first_year", "last_year"]
    search_fields = ["name"]


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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("project_departments__department")

    @admin.display(description="担当課")
    def department_names(self, project: Project) -> str:
        return "、".join(d.name for d in project.ordered_departments())


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department"]
    list_filter = ["department"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "department__name"]
    autocomplete_fields = ["user", "department"]


# Memberships are edited on the user's page too: that is where April's moves are made.
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "last_name", "first_name", "is_active", "is_staff", "is_superuser"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "memberships__department"]

"""The flat entry export for the admin. Entries change only through the workflow and the
official sheet's import, never through a flat import, so this resource only exports."""

from django.utils import timezone
from import_export import fields, resources

from projects.fiscal_year import format_fiscal_year
from projects.history import PROJECT_HISTORY_PREFETCH
from projects.models import person_name
from reviews import fields as entry_fields
from reviews.models import Entry


class EntryExportResource(resources.ModelResource):
    strategy = fields.Field(column_name="総合戦略")
    fiscal_year = fields.Field(column_name="年度")
    goal = fields.Field(column_name="基本目標")
    policy = fields.Field(column_name="基本施策")
    project = fields.Field(column_name="事業名")
    category = fields.Field(column_name="継続/新規")
    status = fields.Field(column_name=entry_fields.STATUS.label, attribute="status")
    implementation = fields.Field(column_name=entry_fields.IMPLEMENTATION.label, attribute="implementation")
    evaluation = fields.Field(column_name=entry_fields.EVALUATION.label, attribute="evaluation")
    future_policy = fields.Field(column_name=entry_fields.FUTURE_POLICY.label, attribute="future_policy")
    departments = fields.Field(column_name="担当課")
    state = fields.Field(column_name="状態")
    memo = fields.Field(column_name=entry_fields.MEMO.label, attribute="memo")
    updated_by = fields.Field(column_name="最終更新者")
    updated_at = fields.Field(column_name="最終更新日時")

    class Meta:
        model = Entry
        fields = (
            "fiscal_year", "goal", "policy", "project", "category", "status", "implementation",
            "evaluation", "future_policy", "departments", "state", "memo", "updated_by", "updated_at", "strategy",
        )

    def get_export_queryset(self, request=None):
        return Entry.objects.select_related(
            "round__strategy", "project__policy__goal", "updated_by"
        ).prefetch_related(*PROJECT_HISTORY_PREFETCH)

    def dehydrate_strategy(self, entry: Entry) -> str:
        # Two plans may each have a round of the year: the strategy tells their rows apart.
        return entry.round.strategy_name

    def dehydrate_fiscal_year(self, entry: Entry) -> str:
        return format_fiscal_year(entry.round.fiscal_year)

    # The project's facts as the entry's round shows them: captured once it is published.
    def dehydrate_goal(self, entry: Entry) -> str:
        return entry.facts.goal_band_text

    def dehydrate_policy(self, entry: Entry) -> str:
        return entry.facts.policy_title

    def dehydrate_project(self, entry: Entry) -> str:
        return entry.facts.project_name

    def dehydrate_category(self, entry: Entry) -> str:
        return entry.facts.category_label

    def dehydrate_departments(self, entry: Entry) -> str:
        return "\n".join(entry.facts.departments)

    def dehydrate_state(self, entry: Entry) -> str:
        return entry.get_state_display()

    def dehydrate_updated_by(self, entry: Entry) -> str:
        return person_name(entry.updated_by)

    def dehydrate_updated_at(self, entry: Entry) -> str:
        return timezone.localtime(entry.updated_at).strftime("%Y-%m-%d %H:%M") if entry.updated_at else ""

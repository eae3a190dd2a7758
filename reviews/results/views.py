"""Results people use: each project's story, a round's summary, the results page."""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from projects.forms import DateField
from reviews.access import get_round_for, may_see_summary, rounds_visible_to
from reviews.changes.history import project_history
from reviews.results import packet as packets
from reviews.results import workbook
from reviews.results.charts import department_page, letter_chart
from reviews.results.story import latest_chapter, project_story
from reviews.results.summary import round_summary
from reviews.sheets.workbook import layout


@login_required
def story(request: HttpRequest, pk: int) -> HttpResponse:
    project, chapters = project_story(request.user, pk)
    return render(request, "reviews/results/story.html", {
        "project": project, "chapters": chapters, "latest": latest_chapter(project, chapters),
        "history": project_history(project),
    })


@login_required
def results_home(request: HttpRequest) -> HttpResponse:
    """Every round the user may see, with the results each offers them."""
    rounds = [(round_, may_see_summary(request.user, round_)) for round_ in rounds_visible_to(request.user)]
    return render(request, "reviews/results/home.html", {"rounds": rounds})


def _later(request: HttpRequest, round_, what: str) -> HttpResponse:
    """A department asking for what only reviewers see before publication: said plainly, 403."""
    return render(request, "reviews/results/summary_later.html", {"round": round_, "what": what}, status=403)


def _summary_or_notice(request: HttpRequest, pk: int):
    round_ = get_round_for(request.user, pk)
    if not may_see_summary(request.user, round_):
        return round_, None
    return round_, round_summary(round_)


@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    round_, result = _summary_or_notice(request, pk)
    if result is None:
        return _later(request, round_, "実施状況の集計")
    return render(request, "reviews/results/summary.html", {
        "round": round_, "summary": result, "goal_kpis": packets.goal_kpis_as_of(round_, provisional=result.provisional),
        "goal_chart": letter_chart("goal-chart", "基本目標ごとの実施状況", result.goals),
        "policy_chart": letter_chart("policy-chart", "基本施策ごとの実施状況", result.policies),
        **department_page(result, request.GET),
    })


@login_required
def summary_download(request: HttpRequest, pk: int) -> HttpResponse:
    round_, result = _summary_or_notice(request, pk)
    if result is None:
        return _later(request, round_, "実施状況の集計")
    return workbook.summary_response(result)


FIRST_WAREKI_DAY = date(1926, 12, 25)  # 昭和元年: the first day the cover's 和暦 can name
LAST_DAY = date(2200, 12, 31)


class PacketForm(forms.Form):
    """The cover's 資料 number and date (the meeting's), both optional."""

    label = forms.CharField(label="資料番号", required=False, max_length=20,
                            help_text="例: 資料2（空欄なら資料1）",
                            error_messages={"max_length": "資料番号は「資料1」のように、20文字以内で入力してください。"})
    day = DateField(label="表紙の日付", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                    help_text="空欄なら今日の日付")

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day is not None and not (FIRST_WAREKI_DAY <= day <= LAST_DAY):
            raise forms.ValidationError("表紙の日付は、昭和元年（1926年12月25日）から2200年までの日付を入力してください。")
        return day

    def clean_label(self) -> str:
        try:
            return packets.clean_label(self.cleaned_data["label"])
        except packets.PacketError as error:
            raise forms.ValidationError(error.message) from error


def _packet(request: HttpRequest, pk: int):
    round_ = get_round_for(request.user, pk)
    if not may_see_summary(request.user, round_):
        return round_, None, None
    form = PacketForm(request.GET or None)
    label, day = packets.clean_label(""), timezone.localdate()
    if form.is_bound and form.is_valid():
        label, day = form.cleaned_data["label"], form.cleaned_data["day"] or day
    return round_, form, packets.round_packet(round_, label=label, day=day, user=request.user)


@login_required
def packet(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee packet as a print view (A3 landscape)."""
    round_, form, result = _packet(request, pk)
    if result is None:
        return _later(request, round_, "推進会議資料")
    return render(request, "reviews/results/packet.html", {
        "round": round_, "packet": result, "form": form or PacketForm(), "summary": result.summary,
        "goal_kpis": result.goal_kpis,
        # The sheet's printed columns C..H; goals and policies are the bands between the rows.
        "headers": layout.header_labels(round_.implementation_heading)[2:8],
        "goal_chart": letter_chart("packet-goal-chart", "基本目標ごとの実施状況", result.summary.goals),
        "department_chart": letter_chart("packet-department-chart", "担当課ごとの実施状況",
                                         result.summary.departments),
    }, status=400 if form is not None and form.errors else 200)


@login_required
def packet_download(request: HttpRequest, pk: int) -> HttpResponse:
    round_, form, result = _packet(request, pk)
    if result is None:
        return _later(request, round_, "推進会議資料")
    if form is not None and form.errors:
        return packet(request, pk)  # the page names what is wrong, with status 400
    return packets.packet_response(result)

"""The committee packet (推進会議資料) for a round: a cover, the summaries, the official sheet's
content, and the committee's opinions with the departments' answers; as a print view (A3
landscape) and as one xlsx workbook.

The opinions shown are those the committee follows up at this meeting: the previous round's
opinions with the answers written in this round, and any opinions already recorded on this round.
The memo is never part of it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from django.http import FileResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook

from projects.access import sees_everything
from projects.fiscal_year import format_date_wareki
from projects.text import normalize_name
from reviews.kpis.achievement import FORMULA
from reviews.kpis.trend import goal_kpis
from reviews.models import Answer, Entry, Opinion, Round
from reviews.results.summary import Summary, round_summary
from reviews.results.workbook import HouseSheet, add_styles, add_summary_sheets
from reviews.rounds.life import previous_round
from reviews.sheets.export import XLSX_TYPE, round_document
from reviews.sheets.workbook import layout
from reviews.sheets.workbook.document import SheetDocument
from reviews.sheets.workbook.writer import add_sheet


class PacketError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_label(raw: str) -> str:
    """The cover's 資料 number as typed (資料2, 資料２, 2): 資料 followed by its number."""
    text = normalize_name(raw or "") or layout.DEFAULT_DOCUMENT_LABEL
    if text.isdigit():
        text = f"資料{text}"
    # The sheet's own rule for the label, without 内部資料: the packet is for the committee.
    if not layout.DOCUMENT_LABEL_RE.match(text) or text == layout.INTERNAL_DOCUMENT_LABEL or len(text) > 8:
        raise PacketError("資料番号は「資料1」のように、「資料」と数字で入力してください。")
    return text.replace(" ", "")


@dataclass
class OpinionWithAnswers:
    opinion: Opinion
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Packet:
    round: Round
    label: str
    day: date
    summary: Summary
    document: SheetDocument
    followed_up: list[OpinionWithAnswers]  # the previous round's opinions, answered in this round
    opinions: list[OpinionWithAnswers]  # opinions recorded on this round (answered next round)
    previous: Round | None
    goal_kpis: list = field(default_factory=list)  # kpis.trend.Trend of each goal's 数値目標

    @property
    def date_text(self) -> str:
        return format_date_wareki(self.day)

    @property
    def title(self) -> str:
        return f"{self.round.strategy_name} {self.round.title}"


def _with_answers(opinions, answers_round: Round | None, everything: bool) -> list[OpinionWithAnswers]:
    """Each opinion with its answers: all of them for reviewers and administrators; for anyone
    else only approved ones (a department's draft is its own until the division approves it)."""
    result = []
    for opinion in opinions:
        answers = [a for a in opinion.answers.all()
                   if (answers_round is None or a.round_id == answers_round.pk)
                   and (everything or a.state == Entry.State.APPROVED)]
        result.append(OpinionWithAnswers(opinion, sorted(answers, key=lambda a: a.department.name)))
    return result


def _opinions(round_: Round):
    return (
        Opinion.objects.filter(round=round_)
        .select_related("project", "policy__goal", "goal")
        .prefetch_related("departments", "answers__department")
        .order_by("pk")
    )


def round_packet(round_: Round, *, label: str, day: date, user) -> Packet:
    """Everything the packet shows ``user``, in a fixed number of queries whatever the round's size."""
    everything = sees_everything(user)
    previous = previous_round(round_)
    document = round_document(round_)
    document.document_label = label
    return Packet(
        round=round_, label=label, day=day, summary=round_summary(round_), document=document,
        followed_up=_with_answers(_opinions(previous), round_, everything) if previous else [],
        opinions=_with_answers(_opinions(round_), None, everything),
        previous=previous,
        goal_kpis=goal_kpis_as_of(round_, provisional=not round_.is_published),
    )


def goal_kpis_as_of(round_: Round, *, provisional: bool) -> list:
    """The goals' 数値目標 as of the round: a provisional view counts the rounds in progress too
    (it is the planning division's), a final one only published rounds and published figures."""
    rounds = Round.objects.filter(strategy_id=round_.strategy_id)
    if provisional:
        return goal_kpis(round_, rounds)
    return [t for t in goal_kpis(round_, rounds.filter(state=Round.State.PUBLISHED)) if t.points]


def _opinion_sheet(wb: Workbook, title: str, heading: str, items: list[OpinionWithAnswers]) -> None:
    sheet = HouseSheet(wb, title, [10.0, 36.0, 60.0, 18.0, 10.0, 60.0])
    sheet.title(heading)
    sheet.header(["番号", "意見の対象", "委員会意見", "回答する課", "状態", "対応方針"])
    for number, item in enumerate(items, start=1):
        opinion = item.opinion
        subject = f"{opinion.get_subject_display()}: {opinion.subject_name}"
        if not item.answers:
            names = "、".join(d.name for d in opinion.departments.all())
            sheet.values([f"意見{number}", subject, opinion.text, names, "", "（承認された対応方針はまだありません）"])
        for answer in item.answers:
            sheet.values([f"意見{number}", subject, opinion.text, answer.department.name,
                          answer.get_state_display(), answer.text])
    if not items:
        sheet.line("委員会意見はありません。")


def packet_workbook(packet: Packet) -> Workbook:
    """One workbook: the cover, the official sheet, the summary sheets and the opinions."""
    wb = Workbook()
    wb.remove(wb.active)
    add_styles(wb)
    cover = HouseSheet(wb, "表紙", [100.0])
    cover.title(packet.round.strategy_name)
    cover.title(packet.round.title + ("（暫定）" if packet.summary.provisional else ""))
    cover.line(packet.label, layout.STYLE_LABEL)
    cover.line(packet.date_text)
    add_sheet(wb, packet.document)
    add_summary_sheets(wb, packet.summary)
    if packet.previous is not None:
        _opinion_sheet(wb, "前回の意見への対応方針", f"{packet.previous.title}への委員会意見と対応方針",
                       packet.followed_up)
    _opinion_sheet(wb, "委員会意見", f"{packet.round.title}への委員会意見", packet.opinions)
    if packet.goal_kpis:
        _goal_kpi_sheet(wb, packet)
    return wb


def _goal_kpi_sheet(wb: Workbook, packet: Packet) -> None:
    sheet = HouseSheet(wb, "数値目標", [12.0, 36.0, 8.0, 14.0, 14.0, 18.0, 14.0, 12.0, 16.0])
    sheet.title(f"基本目標の数値目標（{packet.round.title}の時点）")
    sheet.line(f"達成率 = {FORMULA}")
    sheet.header(["基本目標", "指標", "単位", "基準値（年度）", "目標値（年度）", "実績", "比べる値", "達成率", "評価"])
    for trend in packet.goal_kpis:
        # As the latest counted year defines it: a published round's packet never shows a later edit.
        kpi, defined, point = trend.kpi, trend.definition, trend.latest
        progress = point.progress if point else None
        sheet.values([
            f"基本目標{kpi.goal.number}", defined.name, defined.unit,
            f"{defined.baseline.normalize():f}（{defined.baseline_year}）",
            f"{defined.target.normalize():f}（{defined.target_year}）",
            point.actual.figure_text if point else "—",
            f"{progress.actual.normalize():f}" if progress and progress.actual is not None else "—",
            point.achievement_text or ("維持" if progress and progress.achieved else "—") if point else "—",
            (point.rating or progress.reason) if point else "—",
        ])


def packet_filename(packet: Packet) -> str:
    return f"{packet.round.file_label}_推進会議資料_{packet.label}.xlsx"


def packet_response(packet: Packet) -> FileResponse:
    buffer = io.BytesIO()
    packet_workbook(packet).save(buffer)
    buffer.seek(0)
    response = FileResponse(buffer, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, packet_filename(packet))
    return response

"""The public project page's differences between published rounds: what was added and removed is
marked, and text that looks like HTML stays text, whichever side of the difference it is on."""

import re

import pytest
from django.urls import reverse

from projects.models import Project
from reviews.models import Entry, Round
from reviews.results.story import Segment, TextChange
from tests.reviews.public.test_public import PROJECT, publish_next_round

pytestmark = pytest.mark.django_db


def test_the_differences_on_the_public_project_page_are_marked_and_hostile_text_is_inert(
        client, open_round, reviewer, reviewer2, staff_a):
    project = Project.objects.get(name=PROJECT)
    Entry.objects.filter(round__fiscal_year=2017, project=project).update(
        evaluation='企業を訪問した。<b>太字</b>', future_policy="継続する。")
    publish_next_round(open_round, reviewer, reviewer2, staff_a)
    Entry.objects.filter(round=Round.objects.get(pk=open_round.pk), project=project).update(
        evaluation='企業を訪問した。<script>alert("x")</script>', future_policy="継続する。")
    page = client.get(reverse("public:project", args=[project.pk])).content.decode()
    assert "<script>" not in page and "<b>" not in page and "<ins>" in page and "<del>" in page
    # Without what was removed and without the marks, the entry reads as its new text, escaped.
    marked = next(dd for dd in re.findall(r'<dd class="pre">(企業を訪問した。[^\n]*)</dd>', page) if "<ins>" in dd)
    read = re.sub(r"<del>.*?</del>", "", marked).replace('<ins><span class="visually-hidden">［追加］</span>', "")
    assert read.replace("</ins>", "") == '企業を訪問した。&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    # And without what was added, as the old text: the removed <b> shows as text, never as a tag.
    before = re.sub(r"<ins>.*?</ins>", "", marked).replace('<del><span class="visually-hidden">［削除］</span>', "")
    assert before.replace("</del>", "") == "企業を訪問した。&lt;b&gt;太字&lt;/b&gt;"
    assert "継続する。</dd>" in page and "（前回と同じ）" in page


def test_a_text_change_marks_its_segments_as_the_template_did():
    change = TextChange("評価", "new", [Segment("same", "a&b"), Segment("removed", "<i>"), Segment("added", "'x'")],
                        changed=True)
    assert change.marked == ('a&amp;b<del><span class="visually-hidden">［削除］</span>&lt;i&gt;</del>'
                             '<ins><span class="visually-hidden">［追加］</span>&#x27;x&#x27;</ins>')
    assert TextChange("評価", "", None).marked == ""

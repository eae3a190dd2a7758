"""The progress table's rows are written in Python (reviews.rounds.progress.table_rows): the same
HTML as the template they replace, for every kind of row, with what people typed as inert text."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse

from reviews.models import Entry
from reviews.rounds.progress import DepartmentProgress, table_rows

pytestmark = pytest.mark.django_db

# The template's loop as it stood before the rows moved to Python.
TEMPLATE_ROWS = """{% for d in departments %}
    <tr>
      <th scope="row">{% if d.id %}<a href="{{ round_url }}?department={{ d.id }}">{{ d.name }}</a>{% else %}{{ d.name }}{% endif %}</th>
      <td>{{ d.counts.draft }}</td><td>{{ d.counts.submitted }}</td><td>{{ d.counts.returned }}</td><td>{{ d.counts.approved }} / {{ d.total }}</td>
      <td>{{ d.deadline|date:"Y年n月j日"|default:"—" }}</td>
      <td>{% if d.late %}<strong class="late">遅れ（未提出 {{ d.unfinished }}件）</strong>{% else %}—{% endif %}</td>
      <td>{{ d.last_worked|date:"Y年n月j日 H:i"|default:"まだ作業なし" }}</td>
    </tr>
  {% endfor %}"""

HOSTILE = "<script>alert('x')</script> & \"課\""


def squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def row(pk, name, *, late=False, deadline=None, worked=None) -> DepartmentProgress:
    progress = DepartmentProgress(pk, name, total=7, deadline=deadline, late=late, last_worked=worked)
    progress.counts.update(draft=3, submitted=2, returned=1, approved=1)
    return progress


def test_the_rows_are_the_templates_rows_for_every_kind_of_department():
    # 23:30 UTC is the next morning in Tokyo: the date and the time are Japan's.
    worked = datetime(2019, 3, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    departments = [
        row(12, "商工観光課", late=True, deadline=date(2019, 6, 30), worked=worked),
        row(13, HOSTILE, deadline=date(2019, 7, 5)),
        row(None, "廃止された課（当時の名前）", worked=worked),
        row(14, "まだ何もしていない課"),
    ]
    round_url = "/rounds/5/"
    expected = Template(TEMPLATE_ROWS).render(Context({"departments": departments, "round_url": round_url}))
    written = table_rows(departments, round_url)
    assert squeezed(written) == squeezed(expected)
    assert "2019年4月1日 08:30" in written and "遅れ（未提出 4件）" in written
    assert "<script>" not in written and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;課&quot;" in written


def test_the_progress_page_shows_each_departments_counts_and_its_link(client, open_round, reviewer):
    Entry.objects.filter(round=open_round, project__name="企業等誘致事業").update(state=Entry.State.SUBMITTED)
    client.force_login(reviewer)
    body = client.get(reverse("reviews:progress", args=[open_round.pk])).content.decode()
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</tr>', body, re.S)
    assert len(rows) >= 10
    shoko = next(r for r in rows if "商工観光課" in r)
    assert f'{reverse("reviews:round", args=[open_round.pk])}?department=' in shoko
    assert re.search(r"<td>\d+</td><td>[1-9]\d*</td>", shoko)  # at least the one submitted

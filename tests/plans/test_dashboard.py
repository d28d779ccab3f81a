"""The public plan dashboard, as a reader sees it on a date inside the 5th plan's period."""

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client

from apertura.institutions.models import Institution
from apertura.plans import services
from apertura.plans.models import Milestone
from apertura.plans.tracking import Flag, roll_up, track_milestone

pytestmark = pytest.mark.django_db
ON = dt.date(2022, 7, 15)
URL = "/plans/2021-2023/dashboard/"


def milestone(number):
    return Milestone.objects.get(commitment__plan__slug="2021-2023", number=number)


def inst(acronym):
    return Institution.objects.get(acronym=acronym)


def report(number, editor, based_on=None, **values):
    return services.milestone_report_progress(
        milestone=milestone(number), by=editor, institution=inst("MINEDUC"), based_on=based_on,
        narrative="What was done, as the ministry tells it.", **values)


@pytest.fixture
def reported(fifth_plan, make_user):
    """4.1 completed and 4.3 at 40% (disputed by FUNDAL), both reported before 15 July 2022."""
    editor = make_user("editor", "MINEDUC")
    report("4.1", editor, status="completed", percent=100, as_of=dt.date(2022, 3, 1),
           completed_on=dt.date(2022, 2, 25))
    disputed = report("4.3", editor, status="in_progress", percent=40, as_of=dt.date(2022, 6, 30))
    services.validation_submit(report=disputed, by=make_user("monitor", "FUNDAL"), organization=inst("FUNDAL"),
                               verdict="dispute", reason="The data on deaf-blind students is missing.")
    return editor


def get(path=URL, **params):
    return Client(headers={"accept-language": "en"}).get(path, params)


def expected_rollup(milestones, on=ON):
    """What tracking itself says, computed milestone by milestone, apart from the dashboard."""
    tracks = [track_milestone(m, on) for m in Milestone.objects.filter(pk__in=[m.pk for m in milestones])
              .prefetch_related("reports__validations")]
    return roll_up(tracks)


def row_of(page, heading_id, label):
    """The cells of the row of a chart's table whose heading cell contains `label`."""
    table = page.split(f'id="{heading_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    row = next(r for r in table.split("<tr>") if label in r.split("</th>", 1)[0])
    return re.findall(r'<td class="n">([^<]*)</td>', row)


def test_commitment_and_institution_figures_are_tracking_roll_ups(reported):
    page = get(on=ON.isoformat()).content.decode()
    commitment_4 = expected_rollup(Milestone.objects.filter(commitment__number=4))
    mineduc = expected_rollup(Milestone.objects.filter(responsible__acronym="MINEDUC"))
    assert commitment_4.reported == round((100 + 40) / 6) and commitment_4.confirmed == 0
    for heading, label, rollup in [("commitments-heading", ">4. ", commitment_4),
                                   ("institutions-heading", ">MINEDUC<", mineduc)]:
        assert row_of(page, heading, label) == [
            str(rollup.milestones), f"{rollup.reported}%", f"{rollup.confirmed}%", f"{rollup.expected}%",
            str(rollup.flags.get(Flag.OVERDUE, 0))]
    assert "As of July 15, 2022" in page


def test_the_disputed_report_is_listed_with_a_link_to_its_milestone(reported):
    page = get(on=ON.isoformat()).content.decode()
    validation = page.split('id="validation-heading"', 1)[1]
    disputed = validation.split('id="disputed-heading"', 1)[1]
    assert 'href="/plans/2021-2023/milestones/4.3/">4.3</a>' in disputed
    assert "40%" in disputed and "FUNDAL" in disputed
    assert "/milestones/4.1/" not in disputed
    counts = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="n">(\d+)</td>', validation))
    assert counts == {"Confirmed": "0", "Disputed": "1", "Confirmed by some, disputed by others": "0",
                      "Not yet validated": "1"}


def test_overdue_milestones_on_the_date_are_listed(reported):
    page = get(on=ON.isoformat()).content.decode()
    overdue = page.split('id="overdue-heading"', 1)[1].split("</section>", 1)[0]
    listed = re.findall(r'href="/plans/2021-2023/milestones/([\d.]+)/"', overdue)
    due = [m.number for m in Milestone.objects.filter(commitment__plan__slug="2021-2023")
           .prefetch_related("reports__validations").order_by("commitment__number", "seq")
           if track_milestone(m, ON).flag == Flag.OVERDUE]
    assert listed == due
    assert "4.2" in listed and "4.3" in listed  # ended in May and June 2022 unfinished
    assert "4.1" not in listed and "4.4" not in listed  # completed; due at the end of July


def test_a_report_dated_after_the_day_shown_does_not_count_yet(reported):
    report("4.4", reported, status="in_progress", percent=90, as_of=dt.date(2022, 9, 1))
    then = get(on=ON.isoformat(), format="json").json()
    later = get(on="2022-09-30", format="json").json()
    row = {r["milestone"]: r for r in then["milestones"]}["4.4"]
    assert (row["reported"], row["latest_report"]) == (0, None)
    assert {r["milestone"]: r for r in later["milestones"]}["4.4"]["reported"] == 90


def test_the_csv_has_one_row_per_milestone_with_the_dashboard_columns(reported):
    response = get(on=ON.isoformat(), format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["plan", "commitment", "milestone", "responsible", "start", "end", "reported",
                       "confirmed", "expected", "flag", "latest_report", "validation"]
    assert len(rows) == 1 + 49
    by_number = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_number["4.3"] == {
        "plan": "2021-2023", "commitment": "4", "milestone": "4.3", "responsible": "MINEDUC", "start": "2022-04",
        "end": "2022-06", "reported": "40", "confirmed": "0", "expected": "100", "flag": "overdue",
        "latest_report": "2022-06-30", "validation": "disputed"}
    assert (by_number["4.1"]["flag"], by_number["4.1"]["validation"]) == ("completed", "none")


def test_the_json_carries_the_same_numbers_as_the_page(reported):
    data = get(on=ON.isoformat(), format="json").json()
    commitment_4 = expected_rollup(Milestone.objects.filter(commitment__number=4))
    assert data["on"] == "2022-07-15"
    four = next(c for c in data["by_commitment"] if c["key"] == "4")
    assert (four["reported"], four["confirmed"], four["expected"], four["milestones"]) == (
        commitment_4.reported, commitment_4.confirmed, commitment_4.expected, 6)
    mineduc = next(i for i in data["by_institution"] if i["key"] == "MINEDUC")
    assert mineduc["reported"] == expected_rollup(Milestone.objects.filter(responsible__acronym="MINEDUC")).reported
    assert data["validation"]["reports"] == {"none": 1, "confirmed": 0, "disputed": 1, "mixed": 0}
    assert data["validation"]["disputed"] == [{
        "milestone": "4.3", "url": "/plans/2021-2023/milestones/4.3/", "disputed_by": ["FUNDAL"],
        "report": {"percent": 40, "as_of": "2022-06-30", "institution": "MINEDUC"}}]
    overdue = [o["milestone"] for o in data["overdue"]]
    assert overdue == [m["milestone"] for m in data["milestones"] if m["flag"] == "overdue"]
    assert sum(data["overall"]["flags"].values()) == len(data["milestones"]) == 49
    assert len(data["by_theme"]) >= 1


def test_charts_are_svg_images_with_a_title_that_gives_the_figures(reported):
    page = get(on=ON.isoformat()).content.decode()
    charts = re.findall(r"<svg role=\"img\" aria-labelledby=\"([\w-]+)-title \1-desc\".*?</svg>", page, re.S)
    assert charts == ["chart-commitments", "chart-institutions", "chart-themes"]
    rollup = expected_rollup(Milestone.objects.filter(commitment__number=4))
    desc = re.search(r'<desc id="chart-commitments-desc">(.*?)</desc>', page, re.S).group(1)
    assert (f"reported {rollup.reported}%, confirmed {rollup.confirmed}%, expected {rollup.expected}%"
            in desc)
    assert '<title id="chart-commitments-title">Progress by commitment</title>' in page
    assert "<script" not in page.split("</head>", 1)[1]  # nothing on the page needs JavaScript
    assert len(page) < 120_000


def test_today_is_the_default_and_the_plan_is_over_by_then(fifth_plan):
    page = get().content.decode()
    assert "every milestone not completed by then is overdue" in page
    assert '?on=2023-08-31' in page


@pytest.mark.parametrize("value", ["15/07/2022", "2022-02-30", "yesterday", "20220715"])
def test_an_invalid_date_is_a_400_that_says_how_to_write_one(fifth_plan, value):
    response = get(on=value)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"«{value}» is not a date" in page and "YYYY-MM-DD" in page
    assert get(on=value, format="json").status_code == 400


def test_an_unknown_plan_is_a_404(fifth_plan):
    assert get("/plans/1999-2001/dashboard/").status_code == 404


def test_the_plan_page_links_to_the_dashboard(fifth_plan):
    assert f'href="{URL}"' in get("/plans/2021-2023/").content.decode()


def test_queries_do_not_grow_with_reports_and_validations(reported, make_user, django_assert_num_queries):
    # plan, commitments, themes, milestones, responsible, reports (+ institution), verdicts: each one query, for two
    # milestones reported (one with a verdict) and for six, four of them reported three times, every report confirmed.
    queries = {"html": 9, "json": 9, "csv": 9}

    def read():
        for fmt, expected in queries.items():
            with django_assert_num_queries(expected):
                response = get(on=ON.isoformat(), **({} if fmt == "html" else {"format": fmt}))
                body = response.getvalue()
            assert response.status_code == 200, fmt
            if fmt == "html":
                page = body.decode()
        return page

    read()
    monitor = make_user("monitor", "RedCiudadana")
    for number in ["4.2", "4.4", "4.5", "4.6"]:
        latest = None
        for day, percent in [(1, 10), (5, 20), (9, 30)]:
            latest = report(number, reported, based_on=latest and latest.pk, status="in_progress",
                            percent=percent, as_of=dt.date(2022, 7, day))
            services.validation_submit(report=latest, by=monitor, organization=inst("RedCiudadana"),
                                       verdict="confirm", reason="Seen on the ministry's portal.")
    page = read()
    assert "/milestones/4.6/" not in page.split('id="disputed-heading"', 1)[1]

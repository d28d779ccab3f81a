"""What a reader notices in a real browser: the language, accessibility (axe-core, WCAG 2.2 AA), the plan
filters with and without JavaScript, the language switch, the commitment timeline, and how the pages fit a
phone's screen."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLAN_URL = "/plans/2021-2023/"
COMMITMENT_URL = "/plans/2021-2023/commitments/4/"
PAGES = {
    "home": "/",
    "plan": PLAN_URL,
    "commitment": COMMITMENT_URL,
    "institution": "/institutions/mineduc/",
}
# Interface strings that differ by language (msgid → its Spanish translation).
UI = {
    "en": {"plans": "Action plans", "institutions": "Institutions", "milestones": "Milestones"},
    "es": {"plans": "Planes de acción", "institutions": "Instituciones", "milestones": "Hitos"},
}
OTHER = {"es": "en", "en": "es"}
# What, besides the header's navigation, shows the language of each page: (locator, UI key).
PAGE_LABELS = {
    "home": None,
    "plan": ("main table.commitments thead th", "milestones"),
    "commitment": ("main h2#milestones-heading", "milestones"),
    "institution": ("main nav.crumbs a", "institutions"),
}


def expect_interface_language(page, lang):
    """The document says it is in `lang`, and the header's navigation reads in it, not in the other."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    nav = page.locator("header nav")
    for key in ("plans", "institutions"):
        expect(nav.get_by_role("link", name=UI[lang][key], exact=True)).to_be_visible()
        expect(nav.get_by_role("link", name=UI[OTHER[lang]][key], exact=True)).to_have_count(0)


def shown_count(page):
    """The number of commitments the results say they hold ("3 commitments" / "3 compromisos")."""
    text = page.locator("#commitment-results .count").inner_text()
    match = re.search(r"\d+", text)
    assert match, f"no number in the results count {text!r}"
    return int(match.group())


def describe_violations(violations, url, max_nodes=3):
    """One line per rule (id, impact, help, link), then the first offending elements' selectors."""
    lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} <{v['helpUrl']}>, "
                     f"{len(v['nodes'])} element(s):")
        for node in v["nodes"][:max_nodes]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target} — {summary[:240]}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    "name,lang", [(name, lang) for name in PAGES for lang in ("es", "en")],
    ids=[f"{name}-{lang}" for name in PAGES for lang in ("es", "en")])
def test_page_follows_the_browser_language_and_passes_axe(new_page, axe, name, lang):
    """One page load, two checks (loading and scanning a page is what costs time); both are reported."""
    page = new_page(lang)
    assert page.goto(PAGES[name]).status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)
    problems = []
    violations = axe(page)
    if violations:
        problems.append(describe_violations(violations, f"{PAGES[name]} ({lang})"))
    try:
        expect_interface_language(page, lang)
        if PAGE_LABELS[name]:
            selector, key = PAGE_LABELS[name]
            label = page.locator(selector).filter(has_text=re.compile(rf"^\s*{UI[lang][key]}\s*$"))
            expect(label).to_be_visible()
    except AssertionError as error:
        problems.append(f"The interface is not in {lang!r}: {str(error)[:1500]}")
    assert not problems, "\n\n".join(problems)


def _expect_only_theme(page, theme_title, total):
    """The results hold as many rows as their count says, fewer than the whole plan, all of the theme."""
    count = shown_count(page)
    rows = page.locator("#commitment-results tbody tr")
    assert 0 < count < total
    expect(rows).to_have_count(count)
    for i in range(count):
        expect(rows.nth(i).locator(".tags .tag", has_text=theme_title)).to_have_count(1)


def test_plan_filters_work_without_javascript(new_page):
    page = new_page("en", js=False)
    page.goto(PLAN_URL)
    total = shown_count(page)
    expect(page.locator("#commitment-results tbody tr")).to_have_count(total)
    theme_title = page.locator('#f-theme option[value="digital-government"]').inner_text().strip()

    page.select_option("#f-theme", "digital-government")
    page.locator("form.filters").get_by_role("button", name="Apply").click()

    page.wait_for_url(re.compile(r"[?&]theme=digital-government(&|$)"))
    expect(page.locator("#f-theme")).to_have_value("digital-government")
    _expect_only_theme(page, theme_title, total)


def test_plan_filters_swap_the_results_with_htmx(new_page):
    page = new_page("en")
    page.goto(PLAN_URL)
    page.wait_for_function("() => window.htmx !== undefined")
    total = shown_count(page)
    theme = "education-health-food-security"
    theme_title = page.locator(f'#f-theme option[value="{theme}"]').inner_text().strip()
    page.evaluate("() => { window.sameDocument = true; }")

    with page.expect_response(lambda r: f"theme={theme}" in r.url) as response_info:
        page.select_option("#f-theme", theme)  # no button press: a change is enough
    response = response_info.value
    assert response.request.headers.get("hx-request") == "true"
    assert "<html" not in response.text(), "htmx should receive only the results, not a whole page"

    page.wait_for_url(re.compile(rf"[?&]theme={theme}(&|$)"))
    page.wait_for_function(
        "(total) => document.querySelectorAll('#commitment-results tbody tr').length < total", arg=total)
    assert page.evaluate("() => window.sameDocument") is True, "the page was reloaded instead of swapped"
    _expect_only_theme(page, theme_title, total)


def test_language_button_keeps_the_page_and_switches_the_interface(new_page, site):
    page = new_page("en")
    page.goto(COMMITMENT_URL)
    expect_interface_language(page, "en")

    page.locator("header").get_by_role("button", name="Español", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.url == site + COMMITMENT_URL
    expect_interface_language(page, "es")
    expect(page.locator("main h2#milestones-heading")).to_have_text(UI["es"]["milestones"])

    # The choice sticks although the browser still asks for English: the next page is Spanish too.
    page.locator("header nav").get_by_role("link", name=UI["es"]["institutions"], exact=True).click()
    page.wait_for_url(re.compile(r"/institutions/$"))
    expect_interface_language(page, "es")

    # And back, from this other page.
    page.locator("header").get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == site + "/institutions/"
    expect_interface_language(page, "en")


def test_commitment_timeline_and_milestones_table(new_page):
    page = new_page("en")
    page.goto(COMMITMENT_URL)

    svg = page.locator("figure.timeline svg")
    expect(svg).to_have_attribute("role", "img")
    expect(svg).to_have_accessible_name(re.compile(r"^Timeline of the milestones\b"))
    expect(page.get_by_role("img", name=re.compile(r"^Timeline of the milestones\b"))).to_have_count(1)

    first_cells = page.locator("table.milestones tbody tr > td:first-child").all_inner_texts()
    numbers = [re.match(r"\s*(\d+\.\d+)", text).group(1) for text in first_cells]
    assert numbers == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]


OVERFLOW_JS = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const inScroller = (el) => {
        for (let p = el.parentElement; p; p = p.parentElement)
            if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
        return false;
    };
    const culprits = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !inScroller(el))
        .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + (typeof el.className === 'string' && el.className ? '.' + el.className : ''));
    return {scrollWidth: document.documentElement.scrollWidth, culprits: culprits.slice(0, 5)};
}"""


def test_pages_fit_a_small_phone_screen(new_page, axe):
    """WCAG 1.4.10 Reflow: at 320 CSS pixels no page scrolls sideways, in either language (a table or the
    timeline too wide for the screen scrolls in its own box, which the keyboard can reach). axe-core again
    at that width, where what scrolls differs from the desktop: in Spanish only, whose words are the longer
    (the desktop scans above cover both languages)."""
    problems = []
    for lang in ("es", "en"):
        page = new_page(lang, viewport={"width": 320, "height": 640})
        for url in PAGES.values():
            page.goto(url)
            overflow = page.evaluate(OVERFLOW_JS)
            if overflow:
                problems.append(f"{url} ({lang}) is wider than a 320px screen: {overflow}")
            violations = axe(page) if lang == "es" else []
            if violations:
                problems.append(describe_violations(violations, f"{url} ({lang}, 320px wide)"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("url", ["/", PLAN_URL, COMMITMENT_URL, "/plans/2021-2023/dashboard/?on=2022-07-15",
                                 "/plans/2021-2023/milestones/4.3/", "/api/v1/docs"])
def test_pages_work_under_the_content_security_policy(new_page, url):
    page = new_page("en")
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto(url)
    assert response.status == 200, url  # an error page has the same policy and refuses nothing either
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    if url == PLAN_URL:  # htmx is allowed to do its work
        page.get_by_label("Theme").select_option(index=1)
        page.wait_for_load_state("networkidle")
    assert refused == []

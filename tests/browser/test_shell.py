"""The shell under hx-boost: a page's own stylesheets and scripts from its <head> load even
though boosted navigation swaps only the body."""
import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser

HEAD_ASSETS = """async (path) => {
    const html = await (await fetch(path)).text();
    const head = new DOMParser().parseFromString(html, "text/html").head;
    return [...head.querySelectorAll('link[rel="stylesheet"][href], script[src]')]
        .map(n => n.getAttribute(n.tagName === "LINK" ? "href" : "src"));
}"""


def test_boosted_navigation_loads_the_new_pages_head_assets(page, live_server, make_user):
    make_user("boss", role="admin")
    browser_login(page, live_server.url, "boss")
    # The lettering console declares its own stylesheet in {% block head %}; home does not.
    target = "/admin/lettering/campaigns"
    wanted = [url for url in page.evaluate(HEAD_ASSETS, target) if url not in page.evaluate(HEAD_ASSETS, "/")]
    assert wanted, "the test needs a page with assets of its own in <head>"
    page.evaluate("""() => { const a = document.createElement('a'); a.id = 'go'; a.href = '/admin/lettering/campaigns';
                              a.textContent = 'campaigns'; document.querySelector('main').appendChild(a);
                              htmx.process(a); }""")
    with page.expect_response(lambda r: r.url.endswith(target)) as info:
        page.click("#go")
    assert info.value.request.headers.get("hx-boosted") == "true"  # really a boosted swap
    page.wait_for_url(f"{live_server.url}{target}")
    for url in wanted:
        selector = f'link[href="{url}"]' if ".css" in url else f'script[src="{url}"]'
        page.wait_for_function("(s) => { const n = document.head.querySelector(s);"
                               " return n && (n.tagName !== 'LINK' || n.sheet !== null); }", arg=selector)

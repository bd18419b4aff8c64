"""Real Chromium through Playwright, and the axe-core accessibility scan.

Use the ``browse`` fixture: ``page = browse(user=officer, width=375)`` opens a page on the
live server, signed in as ``user`` when given; ``assert_accessible(page)`` runs axe-core
and fails on any violation.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# fixtures around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        raise RuntimeError("Browser tests need Chromium: set CHROMIUM_PATH or install chromium.")
    return path


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browse(chromium, live_server, committing_db, settings):
    # The live server speaks plain HTTP on loopback, which cannot carry Secure or __Host-
    # cookies; the production cookie settings are checked by the header tests instead.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "sessionid", "csrftoken"
    contexts = []

    def open_page(user=None, *, width: int = 1280, height: int = 900, path: str | None = None):
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            # axe-core is injected as a script; the site's own CSP is tested in header tests.
            bypass_csp=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                        "httpOnly": True,
                        "sameSite": "Lax",
                    }
                ]
            )
        page = context.new_page()
        if path is not None:
            page.goto(path)
        return page

    yield open_page
    for context in contexts:
        context.close()


def assert_accessible(page) -> None:
    """Run axe-core on the page as it is now; fail listing every violation.

    A click on a link may still be replacing the document when this is called, and a
    script cannot be added to a document that has no head yet; so wait for the page to
    load, and try again once if the navigation finished in between.
    """
    from playwright.sync_api import Error as PlaywrightError

    for attempt in (1, 2, 3):
        page.wait_for_load_state("load")
        try:
            page.add_script_tag(path=str(AXE_SCRIPT))
            break
        except PlaywrightError:
            if attempt == 3:
                raise
            page.wait_for_timeout(200)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert not violations, f"axe-core found violations on {page.url}:\n" + json.dumps(
        violations, indent=2
    )


def assert_no_horizontal_scroll(page) -> None:
    """At phone widths nothing may force the page wider than the screen."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def check_page(page) -> None:
    """The checks every page gets: one ``h1``, axe-core, no sideways scroll at its width.

    After a click on a link the new document may still be arriving, so the heading is
    awaited (Playwright's ``expect`` retries) rather than counted at once.
    """
    from playwright.sync_api import expect

    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

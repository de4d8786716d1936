"""Read-aloud in a real browser: a patient with read-aloud on gets a "Læs op" button that plays
the question as Danish speech (the real engine and app; Debian's Chromium via Playwright)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.i18n import Texts
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.patients import invitation_by_token
from tests.e2e.conftest import LiveSystem

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def switch_read_aloud_on(system: LiveSystem, token: str) -> None:
    """As if the patient had said yes to read-aloud (the flag the conversation service reads)."""
    engine = make_engine(system.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            invitation = invitation_by_token(session, token)
            assert invitation is not None
            invitation.patient.read_aloud = True
    finally:
        engine.dispose()


def test_read_aloud_button_plays_the_question(
    system: LiveSystem,
    browser: Any,
    texts: Texts,
) -> None:
    token = system.invite("who5")
    switch_read_aloud_on(system, token)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{system.base_url}/chat/{token}")

    # The consent question is not an item: no read-aloud button on it.
    consent = page.get_by_role("button", name=texts._("Yes, that is fine"))
    consent.wait_for()
    expect(page.locator("#log button.read-aloud")).to_have_count(0)
    consent.click()
    read_aloud = page.get_by_role("button", name=texts._("Read aloud"))
    expect(read_aloud.last).to_be_visible()
    # The button is on the newest question, says "Læs op" and is named for screen readers.
    newest = page.locator("#log li.from-bot").last
    button = newest.locator("button.read-aloud")
    expect(button).to_contain_text(texts._("Read aloud"))
    expect(button).to_have_accessible_name(texts._("Read the question aloud"))
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44

    # Pressing it fetches the question as WAV (same origin, allowed by the CSP) and plays it.
    with page.expect_response(lambda r: "/audio/" in r.url) as played:
        button.click()
    response = played.value
    assert response.status == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.body()[:4] == b"RIFF"
    # It plays to the end (the button shows it meanwhile) without an error in the status line.
    expect(button).to_have_class(re.compile(r"\bplaying\b"))
    expect(button).not_to_have_class(re.compile(r"\bplaying\b"), timeout=30_000)
    expect(page.locator("#status")).to_be_hidden()

    # The history (what a reload shows) has the same audio URL, and it is served again.
    history = page.request.get(f"{system.base_url}/api/chat/{token}/messages").json()
    urls = [m["audio_url"] for m in history["messages"] if "audio_url" in m]
    assert urls and response.url.endswith(urls[-1])
    again = page.request.get(f"{system.base_url}{urls[-1]}")
    assert again.status == 200 and again.headers["content-type"] == "audio/wav"
    # The answer buttons still work after listening; the patient's own turn has no audio.
    page.reload()
    expect(page.locator("#log li.from-patient button.read-aloud")).to_have_count(0)
    expect(page.locator("#log button.read-aloud").last).to_be_enabled()

    # When the audio cannot be played (here: the speech engine is missing), the status line
    # says so and the question stays readable on the screen.
    page.route(
        "**/audio/**",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": "speech not available"}'
        ),
    )
    page.locator("#log button.read-aloud").last.click()
    expect(page.locator("#status")).to_be_visible()
    expect(page.locator("#status")).to_have_text(
        texts._("Sorry, the question could not be read aloud. You can read it on the screen.")
    )
    assert errors == []
    page.close()

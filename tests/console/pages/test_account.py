"""My account (bot/console/pages/account.py)."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.console.conftest import Staff, login


def test_user_language_setting(client: TestClient, staff: Staff) -> None:
    from tests.console.conftest import post

    login(client, staff.nurse)
    answer = post(client, "/console/account", {"action": "language", "locale": "en"},
                  page="/console/account")  # fmt: skip
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert "Worklist" in client.get("/console/worklist").text

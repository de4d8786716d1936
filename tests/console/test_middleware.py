"""The console's middleware: CSRF, language, no caching (bot/console/middleware.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.testclient import TestClient

from bot.console.middleware import same_origin
from bot.console.session import COOKIE_NAME
from bot.dialogue.service import Dialogue
from bot.settings import Settings
from bot.web import create_app
from tests.console.conftest import PASSWORD, Staff, assign, complete_who5, csrf_token, login


def test_forms_without_a_valid_csrf_token_are_refused(client: TestClient, staff: Staff) -> None:
    client.get("/console/login")
    for token in (None, "", "forged"):
        data = {"email": staff.nurse, "password": PASSWORD}
        if token is not None:
            data["csrf_token"] = token
        answer = client.post("/console/login", data=data)
        assert answer.status_code == 403
    login(client, staff.nurse)
    answer = client.post("/console/logout", data={})
    assert answer.status_code == 403
    assert client.get("/console/worklist").status_code == 200  # still logged in


def test_csrf_token_of_another_session_is_refused(
    app_settings: Settings, client: TestClient, staff: Staff
) -> None:
    login(client, staff.nurse)
    with TestClient(create_app(app_settings, manage_engine=False)) as other:
        foreign = csrf_token(other)
    answer = client.post("/console/logout", data={"csrf_token": foreign})
    assert answer.status_code == 403


def test_cross_origin_posts_are_refused(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    token = csrf_token(client, "/console/worklist")
    answer = client.post(
        "/console/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


def test_every_console_form_carries_a_csrf_token(client: TestClient, staff: Staff) -> None:
    login(client, staff.admin)
    for path in ("/console/worklist", "/console/invite", "/console/export", "/console/account",
                 "/console/admin/users", "/console/admin/teams"):  # fmt: skip
        page = client.get(path).text
        forms = page.count('method="post"')
        assert forms >= 1
        assert page.count('name="csrf_token"') == forms, path


def test_security_headers_and_no_caching(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    answer = client.get("/console/worklist")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "<script" not in answer.text and "style=" not in answer.text


def test_english_on_request(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    cid = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    _pid, pseudonym = assign(session_factory, cid, staff.team_a)
    login(client, staff.nurse)
    danish = client.get(f"/console/patients/{pseudonym}").text
    assert '<html lang="da">' in danish and "Samtale" in danish
    english = client.get(f"/console/patients/{pseudonym}?lang=en").text
    assert '<html lang="en">' in english and "Transcript" in english and "Samtale" not in english
    # The choice stays for the session.
    assert '<html lang="en">' in client.get("/console/worklist").text
    assert "Arbejdsliste" in client.get("/console/worklist?lang=da").text


def test_static_files_are_cacheable_and_need_no_session(client: TestClient) -> None:
    answer = client.get("/console/static/console.css")
    assert answer.status_code == 200
    assert answer.headers.get("cache-control") != "no-store"
    assert COOKIE_NAME not in answer.headers.get("set-cookie", "")


def test_unknown_paths_and_methods_get_the_apps_answer(client: TestClient) -> None:
    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404 and missing.json() == {"error": "not found"}
    assert client.get("/console/logout").status_code == 405


def test_forms_too_large_or_with_files_are_refused(client: TestClient) -> None:
    token = csrf_token(client)
    large = client.post("/console/login", data={"csrf_token": token, "email": "x" * 70_000})
    assert large.status_code == 413
    upload = client.post(
        "/console/login", data={"csrf_token": token}, files={"file": ("a.txt", b"a")}
    )
    assert upload.status_code == 400


def test_every_unsafe_method_needs_the_token(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    assert client.put("/console/account", data={"action": "language"}).status_code == 403
    assert client.delete("/console/account").status_code == 403


def test_same_origin(app_settings: Settings) -> None:
    def request(origin: str | None) -> Request:
        headers = [(b"origin", origin.encode())] if origin else []
        return Request({"type": "http", "scheme": "http", "server": ("testserver", 80),
                        "path": "/console/login", "headers": headers})  # fmt: skip

    public = app_settings.public_url
    assert same_origin(request(None), app_settings) and same_origin(request("null"), app_settings)
    assert same_origin(request("http://testserver"), app_settings)
    assert same_origin(request(public), app_settings)
    assert not same_origin(request("https://evil.example"), app_settings)

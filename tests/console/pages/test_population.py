"""The population page: charts and tables, as inline SVG (bot/console/pages/population.py)."""

from __future__ import annotations

import html

from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console import population
from bot.dialogue.service import Dialogue
from tests.console.conftest import Staff, assign, complete_who5, login


def test_population_page_has_charts_and_tables(
    client: TestClient,
    staff: Staff,
    service: Dialogue,
    session_factory: sessionmaker[Session],
) -> None:
    for codes, sex in ((["1", "0", "1", "1", "0"], "female"), (["5", "5", "4", "5", "5"], "male")):
        cid = complete_who5(service, session_factory, codes)
        assign(session_factory, cid, staff.team_a, sex=sex, site="Aarhus <b>")
    other = complete_who5(service, session_factory, ["3", "3", "3", "3", "3"])
    assign(session_factory, other, staff.team_b, sex="other")
    login(client, staff.nurse)
    for by in population.DIMENSIONS:
        page = client.get(f"/console/population?by={by}&questionnaire=who5")
        assert page.status_code == 200, by
        text = page.text
        assert text.count('<svg class="chart"') == 4
        assert 'role="img"' in text and "<title id=" in text and "<desc id=" in text
        assert "<script" not in text and "style=" not in text
        assert "Aarhus <b>" not in text  # escaped, also inside the SVG
    text = html.unescape(client.get("/console/population?by=sex").text)
    assert "Kvinde" in text and "Mand" in text
    assert "Andet" not in text.split("<tbody>")[1]  # team B's patient is not counted
    assert "2 inviteret, 2 gennemført" in text

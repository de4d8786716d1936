"""The patient's own data ("Mine svar"): ``GET /chat/<token>/mine`` and the download of it as
FHIR JSON, ``GET /chat/<token>/mine/data.json``.

The link is checked exactly as the chat page checks it (bot/channels/webchat.py): an unknown
link gets the 404 page, a revoked or expired one the 410 page, and neither records anything.
A hand-off link (what `/mine` sends on Telegram) is used up and redirects to the page under a
fresh web link, as the chat page does; a used or expired one gets the 410 page.
The page covers the whole patient (every conversation), not only the link's questionnaire.
Every view and every download is audited.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.channels.mine_view import Formats, OwnData, own_data
from bot.channels.webchat import handoff_page, open_link, templates
from bot.export.fhir import patient_bundle, validate
from bot.settings import Settings
from bot.storage.audit import audit
from bot.storage.db import session_scope
from bot.storage.models import Patient

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"


def _view(request: Request, patient_id: int) -> OwnData:
    settings: Settings = request.app.state.settings
    formats = Formats(request.app.state.texts, ZoneInfo(settings.console_timezone))
    plans = request.app.state.plans
    with session_scope(request.app.state.session_factory) as session:
        # Recorded first, so the list of who has seen the data shows this view too.
        audit(session, actor="patient", action="own_data.view", patient_id=patient_id)
        return own_data(session, patient_id, request.app.state.questionnaires, plans, formats)


def _bundle(request: Request, patient_id: int) -> dict[str, Any]:
    """The patient's own self-contained FHIR Bundle, the one the console exports without the
    relatives' own questionnaires."""
    with session_scope(request.app.state.session_factory) as session:
        patient = session.get_one(Patient, patient_id)
        bundle = patient_bundle(
            session, request.app.state.questionnaires, request.app.state.plans, patient,
            relatives_own=False,  # a relative's answers about themself are not the patient's
        )  # fmt: skip
        validate(bundle)
        audit(
            session, actor="patient", action="own_data.download", patient_id=patient_id,
            detail=f"{len(bundle.get('entry', []))} resources",
        )  # fmt: skip
        return bundle


async def mine_page(request: Request) -> Response:
    token = request.path_params["token"]
    handed_off = await handoff_page(request, token, "/mine")
    if handed_off is not None:
        return handed_off
    opened = await open_link(request, token, patient_only=True)
    if isinstance(opened, Response):
        return opened
    _conversation, patient, contacts = opened
    view = await asyncio.to_thread(_view, request, patient)
    page = templates.get_template("mine.html").render(
        texts=request.app.state.texts,
        view=view,
        contacts=contacts,
        chat_url=f"/chat/{token}",
        download_url=f"/chat/{token}/mine/data.json",
    )
    return HTMLResponse(page)


async def mine_download(request: Request) -> Response:
    opened = await open_link(request, request.path_params["token"], patient_only=True)
    if isinstance(opened, Response):
        return opened
    _conversation, patient, _contacts = opened
    bundle = await asyncio.to_thread(_bundle, request, patient)
    body = json.dumps(bundle, ensure_ascii=False, indent=2)
    return Response(
        body,
        media_type=FHIR_JSON,
        headers={"Content-Disposition": 'attachment; filename="mine-data.json"'},
    )

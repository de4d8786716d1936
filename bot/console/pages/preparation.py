"""The patient page's "Send forberedelse": a preparation for a consultation, due now.

A POST from the "Patientens præferencer" section (bot/console/templates/_preferences.html),
CSRF-checked by the console's middleware like every form; any coordinator who may see the
patient may send one (the same check as the page's other actions), and every press is in the
audit log with what came of it. The work is in bot/course/preparation.py.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import patient_for
from bot.console.http import database, record, redirect, settings, staff
from bot.course.preparation import Outcome, send_preparation
from bot.course.runner import reminder_hours
from bot.storage.models import utcnow

DONE = {
    Outcome.SENT: "preparation-sent",
    Outcome.ALREADY_OPEN: "preparation-open",
    Outcome.WITHDRAWN: "preparation-withdrawn",
}


@requires("authenticated")
def send(request: Request) -> Response:
    me = staff(request)
    configured = settings(request)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        sent = send_preparation(
            session,
            request.app.state.plans,
            patient.id,
            utcnow(),
            zone=ZoneInfo(configured.console_timezone),
            hours=reminder_hours(configured),
        )
        record(
            request,
            session,
            "patient.preparation",
            patient_id=patient.id,
            detail=sent.outcome.value,
        )
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done=DONE[sent.outcome])

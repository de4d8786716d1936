"""Marking a patient's question for the doctor as handled ("Markér som klaret"), from the
patient page's "Til samtalen" section (bot/console/templates/_doctor_questions.html)."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import patient_for
from bot.console.http import database, error_page, field, record, redirect, staff, texts
from bot.storage.doctor_questions import MAX_NOTE, mark_handled, question_of


@requires("authenticated")
def handle_question(request: Request) -> Response:
    """Who, when and a note; audited without the question's or the note's text."""
    me = staff(request)
    note = field(request, "note", MAX_NOTE)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        question = question_of(session, patient.id, request.path_params["public_id"])
        if question is None:
            return error_page(request, 404, texts(request)._("There is no such question."))
        if mark_handled(question, by=me.email, note=note):
            record(
                request, session, "doctor_question.handle", patient_id=patient.id,
                detail=f"question {question.public_id}, note: {'yes' if note else 'no'}",
            )  # fmt: skip
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done="question_handled")

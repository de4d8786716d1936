"""Deletion requests (admins only): the list, open ones first, and carrying one out with a
reason; an admin may also record a request from the patient page.

Carrying out empties the engine's trackers of the patient's conversations first, then erases
the data in one transaction (bot/storage/erasure.py). If the engine is running but does not
empty a tracker, nothing is erased and the page says so: the admin tries again.
"""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import NotFound, patient_for
from bot.console.http import (
    database,
    error_page,
    field,
    query,
    record,
    redirect,
    render,
    settings,
    staff,
    texts,
)
from bot.engine_tracker import TrackerEraseFailed, erase_trackers
from bot.storage.deletions import all_requests, request_by_public_id, request_deletion
from bot.storage.erasure import conversation_ids_of, erase_patient
from bot.storage.withdrawal import withdraw_patient

ADMIN = ("authenticated", "admin")
MAX_REASON = 500


@requires(ADMIN)
def deletions_page(request: Request) -> Response:
    with database(request) as session:
        rows = all_requests(session)
        record(request, session, "deletions.view")
        return render(request, "deletions.html", rows=rows, done=query(request, "done"))


@requires(ADMIN)
def carry_out(request: Request) -> Response:
    """Erase the patient's data for this request: cannot be undone, so a reason is required."""
    _ = texts(request)._
    reason = field(request, "reason", MAX_REASON)
    if not reason:
        return error_page(request, 400, _("Write the reason for the deletion."))
    me = staff(request)
    with database(request) as session:
        deletion = request_by_public_id(session, request.path_params["public_id"])
        if deletion is None:
            raise NotFound("deletion request")
        if deletion.carried_out_at is not None:
            return redirect("/admin/deletions", done="already")
        try:
            erase_trackers(settings(request), conversation_ids_of(session, deletion.patient_id))
        except TrackerEraseFailed:
            return error_page(
                request,
                502,
                _("The chat engine did not delete its copy of the conversations. Nothing is "
                  "deleted. Try again in a moment."),
            )  # fmt: skip
        erase_patient(session, deletion, actor=me.email, reason=reason)
    return redirect("/admin/deletions", done="erased")


@requires(ADMIN)
def request_from_console(request: Request) -> Response:
    """An admin records a deletion request for the patient (who asked by phone, say): the
    patient is withdrawn too, and the request waits on the deletions page."""
    me = staff(request)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        request_deletion(session, patient.id, via="console", requested_by=me.email)
        withdraw_patient(session, patient.id, actor=me.email)
    return redirect("/admin/deletions", done="requested")

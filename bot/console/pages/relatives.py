"""Relatives from the console's patient page: invite one ("Invitér pårørende": a page that
shows their link once, with a QR code), give one a new link when theirs is lost, and take
one's access away ("Fjern adgang"). POST only, CSRF-checked like every console form (the
middleware), the patient's team checked (`patient_for`), audited in storage
(bot/storage/relatives.py) with the coordinator as actor. Only the patient can allow answers
on their behalf (in the chat): the console invites without it and can only take it away."""

from __future__ import annotations

from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import patient_for
from bot.console.http import database, error_page, field, redirect, render, settings, staff, texts
from bot.console.qr import qr_svg
from bot.storage.relatives import (
    RELATION_MAX_CHARS,
    invite_relative,
    new_relative_link,
    relative_by_public_id,
    revoke_relative,
)


def _link_page(request: Request, pseudonym: str, relation: str, token: str) -> Response:
    link = f"{settings(request).public_url}/chat/{token}"
    return render(
        request,
        "relative_invite_done.html",
        pseudonym=pseudonym,
        relation=relation,
        web_link=link,
        web_qr=qr_svg(link, texts(request)._("QR code for the relative's link")),
    )


@requires("authenticated")
def invite(request: Request) -> Response:
    """A new relative of the patient, with their own link (shown this once)."""
    me = staff(request)
    typed = field(request, "relation", RELATION_MAX_CHARS * 2)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        issued = invite_relative(session, patient, typed, invited_by=me.email)
        pseudonym, relation = patient.pseudonym, issued.relative.relation
    return _link_page(request, pseudonym, relation, issued.token)


@requires("authenticated")
def new_link(request: Request) -> Response:
    """A fresh link for a relative whose link was lost; the old one stops working."""
    me = staff(request)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        relative = relative_by_public_id(session, patient.id, request.path_params["public_id"])
        if relative is None or relative.revoked_at is not None:
            return error_page(request, 404, texts(request)._("There is no such relative."))
        token = new_relative_link(session, relative, actor=me.email)
        pseudonym, relation = patient.pseudonym, relative.relation
    return _link_page(request, pseudonym, relation, token)


@requires("authenticated")
def revoke(request: Request) -> Response:
    """Take the relative's access away: their links answer 410 from now on."""
    me = staff(request)
    with database(request) as session:
        patient = patient_for(session, me, request.path_params["pseudonym"])
        relative = relative_by_public_id(session, patient.id, request.path_params["public_id"])
        if relative is None:
            return error_page(request, 404, texts(request)._("There is no such relative."))
        revoke_relative(session, relative, by=me.email)
        pseudonym = patient.pseudonym
    return redirect(f"/patients/{pseudonym}", done="relative_revoked")

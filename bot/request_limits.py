"""Requests the app refuses before any handler runs: too many or too large headers.

uvicorn's default HTTP parser (httptools) sets no limit on header size, so without this a
10 MB header reached the handlers. The reverse proxy should cap headers too (docs/DEPLOYMENT
in the README); this is the app's own floor, answered with 431 and a JSON error.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_HEADER_COUNT = 100
MAX_HEADER_BYTES = 16 * 1024


def headers_too_large(scope: Scope) -> bool:
    headers = scope.get("headers") or []
    if len(headers) > MAX_HEADER_COUNT:
        return True
    return sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES


class HeaderLimits:
    """Pure ASGI middleware: 431 for a request whose headers exceed the limits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and headers_too_large(scope):
            texts = getattr(getattr(scope.get("app"), "state", None), "texts", None)
            message = (
                texts._("Your browser sent too much at once. Please reload the page.")
                if texts is not None
                else "request headers too large"
            )
            response = JSONResponse({"error": message}, status_code=431)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

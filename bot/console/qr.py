"""QR codes as inline SVG (qrcode's matrix drawn as one path; no image files, no styles)."""

from __future__ import annotations

import itertools

import qrcode
from markupsafe import Markup, escape

BORDER = 4
_ids = itertools.count(1)


def qr_svg(data: str, label: str) -> Markup:
    """An accessible SVG QR code of ``data``; ``label`` is its text alternative."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the border
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    number = next(_ids)
    return Markup(
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {size} {size}" width="200" height="200" shape-rendering="crispEdges" '
        f'aria-labelledby="qr-{number}"><title id="qr-{number}">{escape(label)}</title>'
        f'<rect width="{size}" height="{size}" fill="#ffffff"/>'
        f'<path d="{path}" fill="#000000"/></svg>'
    )

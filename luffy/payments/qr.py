"""WeChat Pay's code_url as a QR code image for the store's own page (desktop Native pay): an
SVG data: URI (CSP img-src allows data:), drawn by segno on the server."""

import segno


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=8, border=2)

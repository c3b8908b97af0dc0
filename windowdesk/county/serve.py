"""``windowdesk county serve``: the county server on uvicorn."""

from __future__ import annotations

from windowdesk.core.errors import ValidationError
from windowdesk.i18n import _

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_listen(listen: str) -> tuple[str, int]:
    host, _sep, port = (listen or "").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError(_("--listen takes HOST:PORT, for example 127.0.0.1:8650."))
    return host.strip("[]"), int(port)


def serve(database: str, listen: str, cert: str | None = None, key: str | None = None) -> None:
    host, port = parse_listen(listen)
    if bool(cert) != bool(key):
        raise ValidationError(_("TLS needs both --cert and --key."))
    if not cert and host not in LOOPBACK:
        raise ValidationError(_("Without a certificate the county server listens on 127.0.0.1 only; "
                                "give --cert and --key to serve other machines."))
    import uvicorn

    from windowdesk.county.app import create_app
    from windowdesk.county.db import open_county

    app = create_app(open_county(database))
    uvicorn.run(app, host=host, port=port, ssl_certfile=cert, ssl_keyfile=key, log_level="warning",
                server_header=False)

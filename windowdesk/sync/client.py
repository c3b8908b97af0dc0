"""The county server as the desk sees it: HTTP + JSON over httpx.

Plain HTTP is accepted only for a county on this machine (127.0.0.1 / localhost); any
other county is reached over TLS, trusting the certificate the desk received when it
enrolled. Every failure becomes a ``SyncError`` whose message a clerk can read.
"""

from __future__ import annotations

import functools
import ssl
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from windowdesk.core.errors import DomainError
from windowdesk.core.wire import PROTOCOL_VERSION
from windowdesk.i18n import _

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SyncError(DomainError):
    """Sync could not be done; ``standing`` says if the desk must do something first."""

    standing = ""


class Offline(SyncError):
    pass


class Revoked(SyncError):
    standing = "revoked"


class UpgradeRequired(SyncError):
    standing = "upgrade"


class StoreMismatch(SyncError):
    standing = "copied"


class Refused(SyncError):
    pass


def check_server_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("{url} is not a county server address (https://…).").format(url=url or "''"))
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise Refused(_("A county server on another machine must be reached over https, not http."))
    return url


def fetch_certificate(url: str) -> str:
    """The county's certificate (PEM), taken at enrollment and trusted from then on."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return ""
    try:
        return ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=10)
    except OSError as exc:
        raise Offline(_("The county server cannot be reached: {detail}").format(detail=exc)) from exc


@functools.lru_cache(maxsize=4)
def _pinned_context(cert_pem: str) -> ssl.SSLContext:
    """Trust exactly the certificate received at enrollment (made once per process)."""
    context = ssl.create_default_context(cadata=cert_pem)
    context.check_hostname = False  # the pinned certificate itself is what is trusted
    # ... even when a certificate authority issued it (trusted as it stands, not its issuer)
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


class CountyClient:
    protocol = PROTOCOL_VERSION  # what this desk speaks

    def __init__(self, url: str, credential: str = "", cert_pem: str = ""):
        self.url = check_server_url(url)
        verify: Any = True
        if cert_pem:
            verify = _pinned_context(cert_pem)
        elif urlsplit(self.url).scheme == "http":
            verify = False  # plain HTTP (this machine only): no certificate bundle to load
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=TIMEOUT, verify=verify)
        self.server_time: datetime | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CountyClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise Offline(_("The county server cannot be reached: {detail}").format(detail=type(exc).__name__)) from exc
        stamp = response.headers.get("X-County-Time")
        if stamp:
            try:
                self.server_time = datetime.fromisoformat(stamp)
            except ValueError:
                self.server_time = None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code < 300:
            return body
        message = str(body.get("message") or response.reason_phrase)
        error = body.get("error")
        if response.status_code in (502, 503, 504, 429) or response.status_code >= 500:
            raise Offline(_("The county server is not answering ({status}); sync will retry.").format(
                status=response.status_code))
        if error == "revoked":
            raise Revoked(message)
        if error == "upgrade_required":
            raise UpgradeRequired(message)
        if error == "store_mismatch":
            raise StoreMismatch(message)
        raise Refused(message)

    def enroll(self, code: str, store_id: str, public_key: str = "", *, replaces: str = "",
               replaces_store_id: str = "") -> dict:
        return self._call("POST", "/v1/enroll", json={
            "code": code, "store_id": store_id, "public_key": public_key, "protocol": self.protocol,
            "replaces": replaces, "replaces_store_id": replaces_store_id})

    def whoami(self) -> dict:
        return self._call("GET", "/v1/whoami")

    def push(self, store_id: str, events: list[dict], local_seqs: list[int]) -> dict:
        return self._call("POST", "/v1/push", json={"protocol": self.protocol, "store_id": store_id,
                                                    "events": events, "local_seqs": local_seqs})

    def presence(self, changes: dict[str, list[str]]) -> dict:
        return self._call("POST", "/v1/presence", json={"changes": changes})

    def forward(self, doc: dict) -> dict:
        return self._call("POST", "/v1/forward", json={"protocol": self.protocol, "file": doc})

    def pull(self, cursor: int) -> dict:
        return self._call("GET", "/v1/pull", params={"cursor": cursor})

    def reference(self) -> dict:
        return self._call("GET", "/v1/reference")

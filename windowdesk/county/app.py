"""The county server's HTTP API (FastAPI): enrollment, push, pull, reference data.

Every request but enrollment and the health check carries a desk's credential
(``Authorization: Bearer …``); a desk reads and writes only its own scope. Answers are
JSON; an error is ``{"error": code, "message": Chinese text}`` and never a traceback.
Bodies are limited in size and each desk in request rate; the access log holds paths,
never bodies (so never an ID number or a phone number).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from windowdesk.core.errors import DomainError
from windowdesk.core.wire import MAX_BATCH, PROTOCOL_VERSION
from windowdesk.county import enrollment, reference
from windowdesk.county.feeds import pull
from windowdesk.county.ingest import Ingest, NodeInfo
from windowdesk.sync import files
from windowdesk.i18n import _

log = logging.getLogger("windowdesk.county")
MIN_PROTOCOL = 1  # the oldest desk protocol still accepted
MAX_BODY_BYTES = 8 * 1024 * 1024
RATE_PER_SECOND, RATE_BURST = 20.0, 60.0


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


LocalSeq = Annotated[int, Field(ge=0, le=2**62)]
_TOKEN = r"^[A-Za-z0-9+/=_\-]*$"  # ids, codes and keys: no space, no control character


class EnrollBody(BaseModel):
    code: str = Field(max_length=64, pattern=r"^[A-Za-z0-9 \-]*$")
    store_id: str = Field(min_length=1, max_length=32, pattern=_TOKEN)
    public_key: str = Field(default="", max_length=200, pattern=_TOKEN)
    protocol: int = Field(default=PROTOCOL_VERSION, ge=0, le=1000)
    # a restored or copied database enrolling again names the desk it was
    replaces: str = Field(default="", max_length=8, pattern=_TOKEN)
    replaces_store_id: str = Field(default="", max_length=32, pattern=_TOKEN)


class PushBody(BaseModel):
    protocol: int = Field(ge=0, le=1000)
    store_id: str = Field(min_length=1, max_length=32, pattern=_TOKEN)
    events: list[dict[str, Any]] = Field(max_length=MAX_BATCH)
    # the desk's local sequence number of each event (same order), to recognise a copy
    local_seqs: list[LocalSeq] = Field(default_factory=list, max_length=MAX_BATCH)


class ForwardBody(BaseModel):
    protocol: int = Field(ge=0, le=1000)
    file: dict[str, Any]


class PresenceBody(BaseModel):
    changes: dict[str, list[str]] = Field(max_length=500)


class _RateLimiter:
    """A token bucket per credential."""

    def __init__(self):
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (RATE_BURST, now))
            tokens = min(RATE_BURST, tokens + (now - last) * RATE_PER_SECOND)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


class _BodyLimit:
    """Refuses a request body over ``MAX_BODY_BYTES`` (stated or, when chunked, as it comes),
    and stamps every answer with the county's time (``X-County-Time``)."""

    def __init__(self, app, clock):
        self.app, self.clock = app, clock

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return await self._too_large(send)
        seen = 0
        started = False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise _TooLarge()
            return message

        async def stamped_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", ()),
                                                  (b"x-county-time", self.clock().isoformat().encode())]}
            await send(message)

        try:
            await self.app(scope, counted_receive, stamped_send)
        except _TooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send) -> None:
        body = orjson.dumps({"error": "too_large", "message": _("The request is too large.")})
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"x-county-time", _now().isoformat().encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised while a body is read, so FastAPI passes it on as it is."""

    def __init__(self):
        super().__init__(413)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def create_app(engine: Engine, *, clock=_now) -> FastAPI:
    app = FastAPI(title="WindowDesk county", version=str(PROTOCOL_VERSION))
    limiter = _RateLimiter()

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(_TooLarge)
    async def _too_large(request: Request, exc: _TooLarge):
        return JSONResponse({"error": "too_large", "message": _("The request is too large.")}, status_code=413)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": "invalid", "message": _("The request is malformed.")}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        # The server's own log, for its administrator: the engine hides SQL parameters, so
        # no ID number or phone number reaches it.
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"error": "internal", "message": _("The county server failed; try again later.")},
                            status_code=500)

    app.add_middleware(_BodyLimit, clock=clock)

    def too_many() -> ApiError:
        return ApiError(429, "rate_limited", _("Too many requests from this desk; it will retry shortly."))

    def desk(request: Request, authorization: str = Header(default="")) -> NodeInfo:
        scheme, _sep, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential:
            raise ApiError(401, "unauthorized", _("This desk is not enrolled with the county."))
        with Session(engine) as session, session.begin():
            try:
                node = enrollment.authenticate(session, credential, clock())
            except enrollment.RevokedError as exc:
                raise ApiError(403, "revoked", str(exc)) from exc
            except DomainError as exc:
                # guessing credentials is limited by address, not by the made-up credential
                if not limiter.allow("guess:" + _address(request)):
                    raise too_many() from exc
                raise ApiError(401, "unauthorized", str(exc)) from exc
            info = NodeInfo(node.code, node.township, node.kind)
        if not limiter.allow(credential):
            raise too_many()
        return info

    def _protocol(protocol: int) -> None:
        if protocol < MIN_PROTOCOL:
            raise ApiError(426, "upgrade_required",
                           _("This WindowDesk is too old for the county server: upgrade it before writing new cases."))

    @app.get("/v1/health")
    def health() -> dict:
        return {"server_time": clock().isoformat(), "protocol": PROTOCOL_VERSION, "min_protocol": MIN_PROTOCOL}

    @app.post("/v1/enroll")
    def enroll(body: EnrollBody, request: Request) -> dict:
        if not limiter.allow("enroll:" + _address(request)):
            raise too_many()
        _protocol(body.protocol)
        with Session(engine) as session, session.begin():
            try:
                node, credential = enrollment.redeem(
                    session, code=body.code, store_id=body.store_id, public_key=body.public_key, now=clock())
            except DomainError as exc:
                raise ApiError(400, "enrollment_refused", str(exc)) from exc
            if body.replaces:
                _take_over(session, node, body.replaces, body.replaces_store_id)
            snapshot = reference.snapshot(session, node.township)
            return {"node": node.code, "township": node.township, "kind": node.kind, "credential": credential,
                    "server_time": clock().isoformat(), "reference": snapshot}

    @app.post("/v1/push")
    def push(body: PushBody, node: NodeInfo = Depends(desk)) -> dict:
        _protocol(body.protocol)
        copied = ApiError(409, "store_mismatch", _(
            "This database is a copy or a restored backup of desk {node}: it must be enrolled again "
            "before it issues case numbers.").format(node=node.code))
        with engine.begin() as conn:
            stored_id = conn.exec_driver_sql(
                "SELECT store_id FROM nodes WHERE code = %s FOR UPDATE", (node.code,)).scalar_one()
            if stored_id != body.store_id or _forks(conn, node, body):
                raise copied
            outcomes = Ingest(conn, clock()).run(node, body.events, body.local_seqs)
            if body.local_seqs:
                conn.exec_driver_sql("UPDATE nodes SET pushed_seq = greatest(pushed_seq, %s) WHERE code = %s",
                                     (max(body.local_seqs), node.code))
        return {"server_time": clock().isoformat(),
                "results": [{"event_id": o.event_id, "status": o.status, "reason": o.reason} for o in outcomes]}

    @app.post("/v1/forward")
    def forward(body: ForwardBody, node: NodeInfo = Depends(desk)) -> dict:
        """A sync file of a desk with no network, carried to this desk and forwarded: applied
        as that desk's own push once its signature checks out."""
        _protocol(body.protocol)
        try:
            doc = files.read_part(body.file)
        except DomainError as exc:
            raise ApiError(400, "bad_file", str(exc)) from exc
        with engine.begin() as conn:
            origin = conn.exec_driver_sql(
                "SELECT code, township, kind, public_key, revoked_at FROM nodes WHERE code = %s", (doc["node"],)
            ).first()
            forged = origin is None or origin[1] != node.township or not origin[3] or not files.verify(doc, origin[3])
            if forged:  # recorded, then refused
                Ingest(conn, clock()).audit(node.code, "forged_file", {"node": doc["node"]}, alert=True)
        if forged:
            raise ApiError(400, "bad_signature", _(
                "This sync file is not signed by a desk of this township: it was not applied."))
        with engine.begin() as conn:
            if origin[4] is not None:
                raise ApiError(403, "revoked", _("The desk that wrote this sync file has been revoked."))
            writer = NodeInfo(origin[0], origin[1], origin[2])
            outcomes = Ingest(conn, clock()).run(writer, doc["events"], doc["local_seqs"])
            if doc["local_seqs"]:
                conn.exec_driver_sql("UPDATE nodes SET pushed_seq = greatest(pushed_seq, %s) WHERE code = %s",
                                     (max(doc["local_seqs"]), writer.code))
        return {"server_time": clock().isoformat(),
                "results": [{"event_id": o.event_id, "status": o.status, "reason": o.reason} for o in outcomes]}

    @app.post("/v1/presence")
    def presence(body: PresenceBody, node: NodeInfo = Depends(desk)) -> dict:
        """Where clerks of the desk's township are (在岗, 外出 …): the newer word wins."""
        with Session(engine) as session, session.begin():
            return {"presence": reference.record_presence(session, node.township, body.changes)}

    @app.get("/v1/whoami")
    def whoami(node: NodeInfo = Depends(desk)) -> dict:
        with engine.connect() as conn:
            pushed = conn.exec_driver_sql("SELECT pushed_seq FROM nodes WHERE code = %s", (node.code,)).scalar_one()
        return {"node": node.code, "township": node.township, "kind": node.kind, "pushed_seq": pushed,
                "server_time": clock().isoformat(), "protocol": PROTOCOL_VERSION, "min_protocol": MIN_PROTOCOL}

    @app.get("/v1/pull")
    def pull_page(cursor: int = Query(default=0, ge=0, le=2**62), limit: int = Query(default=MAX_BATCH, ge=1, le=MAX_BATCH),
                  node: NodeInfo = Depends(desk)) -> dict:
        with Session(engine) as session:
            page = pull(session.connection(), node, cursor, limit)
            where = None if page.more else reference.presence(session, node.township)
            token = None if page.more else reference.token(session, node.township)
        return {"server_time": clock().isoformat(), "events": page.events, "cursor": page.cursor,
                "more": page.more, "digest": page.digest, "presence": where, "reference_token": token}

    @app.get("/v1/reference")
    def reference_data(node: NodeInfo = Depends(desk)) -> dict:
        with Session(engine) as session:
            return {**reference.snapshot(session, node.township), "token": reference.token(session, node.township)}

    return app


def _forks(conn, node: NodeInfo, body: PushBody) -> bool:
    """Whether another event already came from this desk under one of the batch's local
    sequence numbers: a second database writes as this desk (a copy, or a backup put back).
    Batches arriving out of order, or twice, are not that."""
    if len(body.local_seqs) != len(body.events):
        return False
    rows = conn.exec_driver_sql(
        "SELECT local_seq, event_id FROM events WHERE node = %s AND local_seq = ANY(%s)",
        (node.code, list(body.local_seqs)),
    ).all()
    known = dict(rows)
    return any(seq in known and known[seq] != e.get("event_id") for e, seq in zip(body.events, body.local_seqs))


def _take_over(session: Session, node, old_code: str, old_store_id: str) -> None:
    """A restored or copied database of desk ``old_code`` continues as the new desk: its
    events written under the old code are accepted from it from now on."""
    from windowdesk.county.models import Node

    old = session.get(Node, old_code)
    if old is None or old.township != node.township or old.store_id != old_store_id:
        raise ApiError(400, "enrollment_refused", _(
            "Desk {node} is not a desk of this township with this database; enroll as a new desk.").format(
            node=old_code))
    old.replaced_by = node.code

"""Bench peer: what a user would build on FastAPI instead of this API (the stack the platform's plan
first named), with the same behaviour on GET /health and GET /insights/daily (answered from an in-memory
cache with the API's body bytes) and the same per-request work: API key from X-API-Key / Authorization:
Bearer checked by HMAC-SHA256 against an in-memory map, query parameters validated by FastAPI's own
mechanism (Query declarations, pydantic), a per-key rate limit in memory (GCRA, like the API's), a
request id (X-Request-Id, kept when sane), one JSON access-log line per request written to a file
(successful health probes excepted, as in the API) and the API's security headers.

Debian's python3-fastapi, python3-uvicorn, python3-uvloop, python3-httptools (bench/peers/setup.sh);
run with /usr/bin/python3: one uvicorn worker, uvloop + httptools, uvicorn's own access log off.
Environment: PEER_FIXTURE (JSON written by the load bench), PEER_ACCESS_LOG (file), PORT (0 = any).
"""

import hashlib
import hmac
import json
import os
import re
import socket
import sys
import time
import uuid
from typing import Optional

import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

with open(os.environ["PEER_FIXTURE"], encoding="utf-8") as handle:
    FIXTURE = json.load(handle)
PEPPER = bytes.fromhex(FIXTURE["pepper"])
KEYS = FIXTURE["keys"]
DAILY = FIXTURE["daily"]
LIMIT = FIXTURE["rateLimit"]["limit"]
PERIOD = FIXTURE["rateLimit"]["periodSeconds"]
ENV = FIXTURE["env"]
VERSION = FIXTURE["version"]
STARTED = time.time()
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
PROBES = {"/health", "/health/ready"}
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
MEMBER_LIST = r"^[A-Za-z0-9_-]{1,64}(,[A-Za-z0-9_-]{1,64}){0,49}$"

ACCESS_LOG = open(os.environ["PEER_ACCESS_LOG"], "a", buffering=1, encoding="utf-8")
app = FastAPI(title="peer", docs_url=None, redoc_url=None)


def problem(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": code, "status": status, "code": code, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


@app.exception_handler(HTTPException)
async def http_problem(_request: Request, error: HTTPException) -> JSONResponse:
    code, detail = error.detail if isinstance(error.detail, tuple) else ("error", str(error.detail))
    return problem(error.status_code, code, detail)


@app.exception_handler(RequestValidationError)
async def validation_problem(_request: Request, error: RequestValidationError) -> JSONResponse:
    return problem(400, "invalid_parameter", str(error.errors()[0]["loc"][-1]))


@app.middleware("http")
async def request_id_security_headers_access_log(request: Request, call_next):
    started = time.perf_counter()
    incoming = request.headers.get("x-request-id")
    request_id = incoming if incoming and SANE_REQUEST_ID.match(incoming) else str(uuid.uuid4())
    request.state.request_id = request_id
    response = await call_next(request)
    response.headers["X-Request-Id"] = request_id
    response.headers.update(SECURITY_HEADERS)
    route = request.scope.get("route")
    pattern = route.path if route is not None else "unmatched"
    if pattern not in PROBES or response.status_code >= 400:
        event = {
            "level": "error" if response.status_code >= 500 else "warn" if response.status_code >= 400 else "info",
            "time": time.time(),
            "msg": "request",
            "request_id": request_id,
            "method": request.method,
            "route": pattern,
            "path": request.url.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "env": ENV,
        }
        key_id = getattr(request.state, "key_id", None)
        if key_id is not None:
            event["key_id"] = key_id
        cache_hit = getattr(request.state, "cache_hit", None)
        if cache_hit is not None:
            event["cache_hit"] = cache_hit
        ACCESS_LOG.write(json.dumps(event) + "\n")
    return response


def api_key(request: Request) -> str:
    presented = request.headers.get("x-api-key")
    if presented is None:
        authorization = request.headers.get("authorization", "")
        presented = authorization[7:] if authorization.startswith("Bearer ") else None
    if not presented:
        raise HTTPException(401, ("missing_api_key", "Send an API key."))
    key_id = KEYS.get(hmac.new(PEPPER, presented.encode(), hashlib.sha256).hexdigest())
    if key_id is None:
        raise HTTPException(401, ("invalid_api_key", "The API key is not valid."))
    request.state.key_id = key_id
    return key_id


# GCRA per key: the theoretical arrival time of the next request, as the API's limiter keeps it.
TAT: dict = {}
EMISSION = PERIOD / LIMIT


def rate_limited(key_id: str = Depends(api_key)) -> str:
    now = time.monotonic()
    tat = max(TAT.get(key_id, now), now)
    if tat - now > PERIOD - EMISSION:
        raise HTTPException(429, ("rate_limited", "Too many requests."))
    TAT[key_id] = tat + EMISSION
    return key_id


@app.get("/health")
async def health() -> dict:
    return {"status": "ok", "env": ENV, "version": VERSION, "uptime_s": round(time.time() - STARTED)}


@app.get("/insights/daily")
async def daily(
    request: Request,
    _key: str = Depends(rate_limited),
    date: Optional[str] = Query(None, regex=ISO_DATE),
    from_: Optional[str] = Query(None, alias="from", regex=ISO_DATE),
    to: Optional[str] = Query(None, regex=ISO_DATE),
    site: Optional[str] = Query(None, regex=MEMBER_LIST),
    asset: Optional[str] = Query(None, regex=MEMBER_LIST),
    product: Optional[str] = Query(None, regex=MEMBER_LIST),
    limit: int = Query(1000, ge=1, le=10000),
    cursor: Optional[str] = Query(None, max_length=512),
    format: str = Query("json", regex="^(json|csv)$"),
) -> Response:
    cached = DAILY.get(f"{date or ''}|{site or ''}|{limit}|{format}")
    request.state.cache_hit = cached is not None
    if cached is None:
        return problem(404, "not_cached", "The peer serves only the cached answers.")
    headers = {"ETag": cached["etag"], "Cache-Control": "private, max-age=60", "Vary": "Authorization, X-API-Key"}
    if request.headers.get("if-none-match") == cached["etag"]:
        return Response(status_code=304, headers=headers)
    return Response(cached["body"], media_type="application/json", headers=headers)


def main() -> None:
    port = int(os.environ.get("PORT", "0"))
    if port == 0:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
    sys.stdout.write(json.dumps({"msg": "peer listening", "url": f"http://127.0.0.1:{port}"}) + "\n")
    sys.stdout.flush()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        workers=1,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()

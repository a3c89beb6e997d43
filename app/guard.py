"""The gate in front of the web app, as plain ASGI middleware (it also guards Gradio's routes,
which the app does not define itself):

- With a login set, every route needs it: a Gradio session cookie (from the login form or
  `gradio_client.Client(url, auth=…)`) or HTTP Basic credentials. Only what the login page
  itself needs is open: the page, its scripts and styles, and the login form's endpoint.
- Repeated failed logins from one client (the form or Basic credentials) are slowed down:
  after FREE_FAILURES in a row, each further failure locks that client out for a doubling
  time (1 s, 2 s, 4 s, … up to LOCK_MAX); attempts meanwhile get 429 with Retry-After.
- A saved search's Atom feed (`/bevakning/<token>.atom`) is open too: feed readers cannot
  log in, and the unguessable token is the key (app/bevakning/routes.py).
- Gradio's file upload routes are closed: the app has no upload component, so they would
  only store anonymous files of any size in the temp folder.
- A plain HTTP call of an API endpoint gets a one-sentence error for missing or wrong
  inputs, and optional inputs left out take their defaults.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

FREE_FAILURES = 3
LOCK_MAX = 60.0
MAX_API_BODY = 1_000_000  # bytes of JSON for one API call

# reachable without a login: the login page and what it loads (Gradio answers 401 itself
# for its config and user routes, which is how the page knows to show the form)
_OPEN = re.compile(
    r"/(?:login/?|logout|config/?|favicon\.ico|theme\.css|robots\.txt|manifest\.json|pwa_icon(?:/\w+)?"
    r"|(?:assets|static|svelte)/.*|gradio_api/(?:login_check|user|token|app_id|theme\.css|startup-events)/?"
    r"|bevakning/[A-Za-z0-9_-]{16,64}\.atom)?"  # a saved search's feed: its secret token is the key
)
# never served: uploads (no component of the app takes a file) and Gradio's live code editing
_CLOSED = re.compile(r"/gradio_api/(?:upload|upload_progress|process_recording|vibe-[\w-]+|undo-vibe-edit)/?")
_LOGIN_FORM = re.compile(r"/login/?")
_API_CALL = re.compile(r"/gradio_api/(?:call/(?P<v2>v2/)?|run/|api/)(?P<name>[\w-]+)/?")

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


@dataclass(frozen=True)
class ApiSpec:
    """An API endpoint's inputs: the first is required text, the rest have defaults."""

    required: str
    optional: tuple[tuple[str, Any], ...] = ()

    def complete(self, data: Any) -> list:
        """`data` with defaults filled in, or ValueError with one sentence."""
        names = [self.required] + [n for n, _ in self.optional]
        if not isinstance(data, list) or not data:
            raise ValueError(f"send {{\"data\": [{self.required}, …]}}: the {self.required} is missing")
        if len(data) > len(names):
            raise ValueError(f"at most {len(names)} inputs ({', '.join(names)}); got {len(data)}")
        if not isinstance(data[0], str):
            raise ValueError(f"the {self.required} must be text")
        return list(data) + [d for _, d in self.optional[len(data) - 1:]]


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0
    last: float = field(default_factory=time.monotonic)


class LoginThrottle:
    """Failed logins per client; thread-safe, bounded in memory."""

    def __init__(self, free: int = FREE_FAILURES, lock_max: float = LOCK_MAX, clock=time.monotonic):
        self.free, self.lock_max, self.clock = free, lock_max, clock
        self._by_client: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds this client must wait before its next attempt (0: go ahead)."""
        with self._lock:
            f = self._by_client.get(client)
            return max(0.0, f.locked_until - self.clock()) if f else 0.0

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._by_client) > 10_000:  # forget clients quiet for an hour
                self._by_client = {c: f for c, f in self._by_client.items() if now - f.last < 3600}
            f = self._by_client.setdefault(client, _Failures())
            f.count += 1
            f.last = now
            if f.count >= self.free:
                f.locked_until = now + min(2.0 ** (f.count - self.free), self.lock_max)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._by_client.pop(client, None)


class Guard:
    """ASGI middleware: login on every route, slowed-down failures, no uploads, checked API input."""

    def __init__(self, app, auth: tuple[str, str] | None, session_user: Callable[[dict], str | None],
                 apis: dict[str, ApiSpec], throttle: LoginThrottle | None = None):
        self.app = app
        self.auth = auth
        self.session_user = session_user  # cookies → the user of a valid Gradio session, or None
        self.apis = apis
        self.throttle = throttle or LoginThrottle()

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.auth is not None and self.session_user(_cookies(_headers(scope))) is None:
            await receive()  # websocket.connect, refused: the app has no socket that may skip the login
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        client = (scope.get("client") or ("?", 0))[0]
        if _CLOSED.fullmatch(path):
            await _reply(send, 404, "Uppladdning stängd: appen tar inte emot filer här.")
            return
        if self.auth is not None:
            if method == "POST" and _LOGIN_FORM.fullmatch(path):
                await self._login_form(scope, receive, send, client)
                return
            if not _OPEN.fullmatch(path):
                refusal = self._refusal(scope, client)
                if refusal is not None:
                    await refusal(send)
                    return
        m = _API_CALL.fullmatch(path)
        if method == "POST" and m and m["name"] in self.apis:
            receive = await self._checked_api_body(scope, receive, send, self.apis[m["name"]], bool(m["v2"]))
            if receive is None:
                return
        await self.app(scope, receive, send)

    # ------------------------------------------------------------ login

    def _refusal(self, scope: dict, client: str):
        """None when the request carries a valid login; else what to answer."""
        headers = _headers(scope)
        if self.session_user(_cookies(headers)) is not None:
            return None
        basic = _basic(headers.get("authorization", ""))
        if basic is None:
            return lambda send: _reply(send, 401, "Inloggning krävs.", {"www-authenticate": 'Basic realm="namndsok"'})
        wait = self.throttle.wait(client)
        if wait > 0:
            return lambda send: _too_many(send, wait)
        user, password = basic
        if secrets.compare_digest(user.encode(), self.auth[0].encode()) & secrets.compare_digest(
                password.encode(), self.auth[1].encode()):
            self.throttle.succeeded(client)
            return None
        self.throttle.failed(client)
        return lambda send: _reply(send, 401, "Fel användarnamn eller lösenord.", {"www-authenticate": 'Basic realm="namndsok"'})

    async def _login_form(self, scope: dict, receive: Receive, send: Send, client: str) -> None:
        wait = self.throttle.wait(client)
        if wait > 0:
            await _drain(receive)
            await _too_many(send, wait)
            return
        status: list[int] = []

        async def watch(message: dict) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        elif status and 400 <= status[0] < 500:
            self.throttle.failed(client)

    # ------------------------------------------------------------ API input

    async def _checked_api_body(self, scope: dict, receive: Receive, send: Send, spec: ApiSpec, v2: bool):
        """A receive() that replays the (completed) body, or None when an error was sent."""
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > MAX_API_BODY:
                await _reply(send, 413, f"the request is larger than {MAX_API_BODY:,} bytes")
                return None
            if not message.get("more_body"):
                break
        try:
            payload = json.loads(body or b"null")
            if v2:
                if not isinstance(payload, dict) or not isinstance(payload.get(spec.required), str):
                    raise ValueError(f"send {{\"{spec.required}\": \"…\"}}: the {spec.required} is missing or not text")
            else:
                if not isinstance(payload, dict):
                    raise ValueError(f"send {{\"data\": [{spec.required}, …]}} as JSON")
                payload["data"] = spec.complete(payload.get("data"))
                body = json.dumps(payload).encode()
        except ValueError as exc:  # json.JSONDecodeError is one
            why = str(exc) if not isinstance(exc, json.JSONDecodeError) else "the body is not JSON"
            await _reply(send, 422, why)
            return None
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"] + [
            (b"content-length", str(len(body)).encode())]
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for part in headers.get("cookie", "").split(";"):
        name, eq, value = part.strip().partition("=")
        if eq:
            out[name] = value
    return out


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        user, colon, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")  # malformed credentials count as wrong ones
    return (user, password) if colon else ("", "")


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def _reply(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _too_many(send: Send, wait: float) -> None:
    seconds = max(1, math.ceil(wait))
    await _reply(send, 429, f"För många misslyckade inloggningar; försök igen om {seconds} s.",
                 {"retry-after": str(seconds)})

"""The gate in front of the web app, as plain ASGI middleware (it also guards Gradio's routes,
which the app does not define itself):

- With a login set, every route needs it: a Gradio session cookie (from the login form or
  `gradio_client.Client(url, auth=…)`) or HTTP Basic credentials. Only what the login page
  itself needs is open: the page, its scripts and styles, and the login form's endpoint.
- Repeated failed logins (the form or Basic credentials) are slowed down, per client and per
  user name: after FREE_FAILURES in a row from one client (FREE_USER_FAILURES for one user name,
  from any client), each further failure locks it out for a doubling time (1 s, 2 s, 4 s, … up
  to LOCK_MAX); attempts meanwhile get 429 with Retry-After. The Guard checks the password
  itself, in one step with the lockout check and the count (LoginThrottle.attempt), so
  parallel logins cannot all pass the check before the first failure is counted.
- Valid Basic credentials open Gradio's own routes as well (/config, /gradio_api/…): the Guard
  hands Gradio a session of that user, as its login form would.
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

FREE_FAILURES = 3  # per client (IP address)
FREE_USER_FAILURES = 10  # per user name, from every client together (a guess spread over many addresses)
LOCK_MAX = 60.0
# bytes of JSON for one call of the API or Gradio's routes: a question of 2,000 characters
# (the app's limit) with its filters is at most ~13 kB even with every letter escaped
MAX_API_BODY = 64_000
MAX_LOGIN_BODY = 16_384  # the login form: a user name and a password

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
    """Failed logins per client and per user name; thread-safe, bounded in memory."""

    def __init__(self, free: int = FREE_FAILURES, lock_max: float = LOCK_MAX, clock=time.monotonic,
                 free_per_user: int = FREE_USER_FAILURES):
        self.free, self.lock_max, self.clock, self.free_per_user = free, lock_max, clock, free_per_user
        self._by_key: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    def _keys(self, client: str, user: str | None) -> list[tuple[tuple[str, str], int]]:
        keys = [(("client", client), self.free)]
        if user is not None:
            keys.append((("user", user), self.free_per_user))
        return keys

    def wait(self, client: str, user: str | None = None) -> float:
        """Seconds before the next attempt of this client (or for this user name); 0: go ahead."""
        with self._lock:
            return self._wait(self._keys(client, user), self.clock())

    def _wait(self, keys, now: float) -> float:
        found = [self._by_key.get(k) for k, _ in keys]
        return max(0.0, max((f.locked_until - now for f in found if f is not None), default=0.0)) if any(found) else 0.0

    def attempt(self, client: str, user: str | None, check: Callable[[], bool]) -> float | bool:
        """One login attempt, atomic: the wait in seconds (> 0) when locked out, without
        checking; else `check()`'s verdict, counted before any other attempt is let through."""
        with self._lock:
            now = self.clock()
            keys = self._keys(client, user)
            wait = self._wait(keys, now)
            if wait > 0:
                return wait
            ok = check()
            if ok:
                for k, _ in keys:
                    self._by_key.pop(k, None)
                return True
            if len(self._by_key) > 10_000:  # forget clients quiet for an hour
                self._by_key = {c: f for c, f in self._by_key.items() if now - f.last < 3600}
            for k, free in keys:
                f = self._by_key.setdefault(k, _Failures())
                f.count += 1
                f.last = now
                if f.count >= free:
                    f.locked_until = now + min(2.0 ** (f.count - free), self.lock_max)
            return False


class Guard:
    """ASGI middleware: login on every route, slowed-down failures, no uploads, checked API input."""

    def __init__(self, app, auth: tuple[str, str] | None, session_user: Callable[[dict], str | None],
                 apis: dict[str, ApiSpec], throttle: LoginThrottle | None = None,
                 session_cookie: Callable[[str], str] | None = None):
        self.app = app
        self.auth = auth
        self.session_user = session_user  # cookies → the user of a valid Gradio session, or None
        self.session_cookie = session_cookie  # user → "name=value" of a Gradio session cookie for that user
        self.apis = apis
        self.throttle = throttle or LoginThrottle()

    def _right(self, user: str, password: str) -> bool:
        # compared as Gradio's login form does (it strips the user name); both compared always
        return bool(secrets.compare_digest(user.strip().encode(), self.auth[0].encode())
                    & secrets.compare_digest(password.encode(), self.auth[1].encode()))

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
            refusal = self._refusal(scope, client, _OPEN.fullmatch(path) is not None)
            if refusal is not None:
                await refusal(send)
                return
        m = _API_CALL.fullmatch(path)
        if method == "POST" and m and m["name"] in self.apis:
            receive = await self._checked_api_body(scope, receive, send, self.apis[m["name"]], bool(m["v2"]))
            if receive is None:
                return
        elif method == "POST" and path.startswith("/gradio_api/"):
            # Gradio's own calls (the page's queue, /call/ask_html, …) are bounded the same way
            body = await _read_body(receive, send, MAX_API_BODY)
            if body is None:
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    # ------------------------------------------------------------ login

    def _refusal(self, scope: dict, client: str, open_path: bool):
        """None when the request may go on (a valid login, or a page the login form needs);
        else what to answer. Valid Basic credentials also get a Gradio session for its routes."""
        headers = _headers(scope)
        if self.session_user(_cookies(headers)) is not None:
            return None
        basic = _basic(headers.get("authorization", ""))
        if basic is None:
            if open_path:
                return None
            return lambda send: _reply(send, 401, "Inloggning krävs.", {"www-authenticate": 'Basic realm="namndsok"'})
        user, password = basic
        verdict = self.throttle.attempt(client, user.strip(), lambda: self._right(user, password))
        if verdict is True:
            if self.session_cookie is not None:
                _add_cookie(scope, self.session_cookie(self.auth[0]))
            return None
        if verdict is not False:
            return lambda send: _too_many(send, verdict)
        if open_path:  # counted as a failed login; the login page itself stays reachable
            return None
        return lambda send: _reply(send, 401, "Fel användarnamn eller lösenord.", {"www-authenticate": 'Basic realm="namndsok"'})

    async def _login_form(self, scope: dict, receive: Receive, send: Send, client: str) -> None:
        """The password is checked here, with the lockout and the count in one step; Gradio's
        form endpoint then answers as usual (and sets its session cookie)."""
        body = await _read_body(receive, send, MAX_LOGIN_BODY)
        if body is None:
            return
        user, password = await _form_login(scope, body)
        verdict = self.throttle.attempt(client, user.strip(), lambda: self._right(user, password))
        if verdict is not True and verdict is not False:
            await _too_many(send, verdict)
            return
        if verdict is False:
            await _reply(send, 400, "Incorrect credentials.")  # what Gradio's own form endpoint says
            return
        await self.app(scope, _replay(body, receive), send)

    # ------------------------------------------------------------ API input

    async def _checked_api_body(self, scope: dict, receive: Receive, send: Send, spec: ApiSpec, v2: bool):
        """A receive() that replays the (completed) body, or None when an error was sent."""
        body = await _read_body(receive, send, MAX_API_BODY)
        if body is None:
            return None
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
        return _replay(body, receive)


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def _read_body(receive: Receive, send: Send, limit: int) -> bytes | None:
    """The request's body, or None when the client left or it is larger than `limit` bytes:
    then the rest is read and dropped, never kept (a huge body costs the server no memory and
    little time), and 413 with one Swedish sentence is sent."""
    parts: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        more = bool(message.get("more_body"))
        size += len(chunk)
        if size <= limit:
            parts.append(chunk)
        else:
            parts.clear()
    if size > limit:
        shown = f"{limit:,}".replace(",", "\u00a0")  # 64 000, as Swedish writes it
        await _reply(send, 413, f"Förfrågan är för stor: högst {shown} byte.")
        return None
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the body read already, then what the client sends next."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _add_cookie(scope: dict, cookie: str) -> None:
    """Add `name=value` to the request's Cookie header (one header, as HTTP/1.1 sends it)."""
    raw = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"cookie"]
    old = [v for k, v in scope.get("headers", []) if k.lower() == b"cookie"]
    value = b"; ".join(old + [cookie.encode("latin-1")])
    scope["headers"] = raw + [(b"cookie", value)]


async def _form_login(scope: dict, body: bytes) -> tuple[str, str]:
    """The user name and password of a login form (urlencoded or multipart), "" when missing."""
    from starlette.requests import Request

    async def once() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, once).form()
    except Exception:  # a malformed form is a failed login, not an error page  # noqa: BLE001
        return "", ""
    user, password = form.get("username"), form.get("password")
    return (user if isinstance(user, str) else "", password if isinstance(password, str) else "")


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

"""E-mail digests of new alerts (smtplib): one message per recipient per ingest, plain text
and HTML, each match with its citation and a link to the passage.

SMTP is optional and set in the environment only (a password never sits in a file of the
repository): NAMNDSOK_SMTP_HOST (without it no mail is sent), NAMNDSOK_SMTP_PORT (25),
NAMNDSOK_SMTP_STARTTLS (1 to upgrade the connection), NAMNDSOK_SMTP_USER,
NAMNDSOK_SMTP_PASSWORD, NAMNDSOK_SMTP_FROM, NAMNDSOK_SMTP_TIMEOUT (seconds, 30), and
NAMNDSOK_BASE_URL, the app's address for the links. A server that is down or refuses is
logged in one line; the alerts stay unsent and go out with the next digest.
"""

from __future__ import annotations

import html
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .store import Alert, SavedSearch, Store

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:7860"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = "namndsok@localhost"
    timeout: float = 30.0
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "SmtpSettings | None":
        """The settings in the environment, or None when NAMNDSOK_SMTP_HOST is not set."""
        env = os.environ if env is None else env
        host = (env.get("NAMNDSOK_SMTP_HOST") or "").strip()
        if not host:
            return None
        return cls(host=host, port=int(env.get("NAMNDSOK_SMTP_PORT") or 25),
                   starttls=(env.get("NAMNDSOK_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes", "ja"),
                   user=env.get("NAMNDSOK_SMTP_USER") or None, password=env.get("NAMNDSOK_SMTP_PASSWORD") or None,
                   sender=env.get("NAMNDSOK_SMTP_FROM") or "namndsok@localhost",
                   timeout=float(env.get("NAMNDSOK_SMTP_TIMEOUT") or 30),
                   base_url=base_url(env))


def base_url(env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return (env.get("NAMNDSOK_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def digest(recipient: str, items: list[tuple[SavedSearch, Alert]], settings: SmtpSettings) -> EmailMessage:
    """One message listing every new match of the recipient's searches, grouped by search."""
    by_search: dict[int, tuple[SavedSearch, list[Alert]]] = {}
    for s, a in items:
        by_search.setdefault(s.id, (s, []))[1].append(a)
    n = len(items)
    msg = EmailMessage()
    msg["Subject"] = f"namndsok: {n} {'ny träff' if n == 1 else 'nya träffar'} i dina bevakningar"
    msg["From"] = settings.sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="namndsok")
    base = settings.base_url
    plain = [f"Nya träffar i dina bevakningar ({n}):", ""]
    rich = [f"<p>Nya träffar i dina bevakningar ({n}):</p>"]
    for s, alerts in by_search.values():
        what = s.label() + (f" ({s.filters_text()})" if s.filters_text() else "")
        plain.append(f"Bevakning: {what}")
        rich.append(f"<h2>Bevakning: {html.escape(what)}</h2><ul>")
        for a in alerts:
            plain += [f"  - {a.title}", f"    {a.excerpt}", f"    {base}{a.link}", ""]
            rich.append(f'<li><a href="{html.escape(base + a.link)}">{html.escape(a.title)}</a>'
                        f"<br>{html.escape(a.excerpt)}</li>")
        rich.append("</ul>")
        plain.append(f"  Flöde: {base}/bevakning/{s.token}.atom")
        plain.append("")
        rich.append(f'<p>Flöde: <a href="{html.escape(base)}/bevakning/{html.escape(s.token)}.atom">Atom</a></p>')
    plain.append("Du får detta brev eftersom din e-postadress står på en bevakning i namndsok.")
    msg.set_content("\n".join(plain))
    msg.add_alternative("<!doctype html><html lang=\"sv\"><body>" + "\n".join(rich) + "</body></html>", subtype="html")
    return msg


def send_digests(store: Store, settings: SmtpSettings | None) -> int:
    """Mail every unsent alert, one message per recipient; returns the messages delivered.
    A failure is logged in one line and leaves those alerts for the next digest."""
    if settings is None:
        return 0
    pending = store.unmailed()
    if not pending:
        return 0
    by_recipient: dict[str, list[tuple[SavedSearch, Alert]]] = {}
    for s, a in pending:
        by_recipient.setdefault(s.email.strip().lower(), []).append((s, a))
    sent = 0
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for recipient, items in by_recipient.items():
                try:
                    smtp.send_message(digest(recipient, items, settings))
                except smtplib.SMTPException as exc:  # this recipient refused; the others go on
                    log.warning("e-mail digest to %s not sent (%s); it is tried again after the next ingest",
                                recipient, _reason(exc))
                    continue
                store.mark_mailed([a.id for _, a in items])
                sent += 1
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        log.warning("e-mail digests not sent: %s:%d %s; they are tried again after the next ingest",
                    settings.host, settings.port, _reason(exc))
    return sent


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"refused: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"refused: {exc.smtp_code} {err}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__

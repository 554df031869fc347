"""Same-origin guard: a web page the developer visits cannot drive the emulator through their browser.

The emulator listens on the developer's machine and can invoke their functions, answer their
callbacks and stop their executions. A browser will send requests there on behalf of any page
it shows, so every request (AWS routes and console alike) is checked before it is routed:

- ``Host`` must name this machine as the browser reached it: an IP literal (a browser sends the
  literal it connected to, which only reaches us), ``localhost`` or a ``*.localhost`` name
  (browsers resolve those to loopback themselves), or a name listed in ``extra_hosts`` or in
  ``POWERTOOLS_DURABLE_ALLOWED_HOSTS`` (comma-separated: a machine name the emulator is reached by on
  a LAN, ``host.docker.internal``). Any other name is a page's own domain rebound to our address
  (DNS rebinding), and is refused.
- ``Origin``, when sent, must be this emulator's own origin (``http://`` + ``Host``): a page
  elsewhere (``Origin: https://evil.example``, or ``null`` from a sandboxed frame) is refused,
  CORS preflights included, so no answer carries CORS headers.
- ``Sec-Fetch-Site: cross-site`` or ``same-site`` (browsers send it even where they omit
  ``Origin``, on ``<img>`` and ``<script>`` loads) is refused, except for a top-level navigation
  to a page (a link followed to the console: it can read nothing back, and the console refuses
  to be framed).

boto3, the AWS CLI and SAM CLI send neither ``Origin`` nor ``Sec-Fetch-*`` and reach the
emulator by IP or ``localhost``: they pass untouched. A refusal is a 403 in AWS's error shape
(``x-amzn-ErrorType: AccessDeniedException``), so boto3 raises a ``ClientError`` naming it.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

ERROR_CODE = "AccessDeniedException"
ENV_ALLOWED_HOSTS = "POWERTOOLS_DURABLE_ALLOWED_HOSTS"
_CROSS = frozenset({b"cross-site", b"same-site"})


def split_host(value: str) -> str:
    """The host name of a ``Host`` header value, without its port, lowercased (``[::1]:5000`` → ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@functools.lru_cache(maxsize=256)  # every request asks about the same few names
def is_local_name(host: str, extra_hosts: frozenset[str] = frozenset()) -> bool:
    """Whether a browser could only have reached us under this host name (see the module docstring)."""
    if host in extra_hosts or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def refusal(headers: dict[bytes, bytes], extra_hosts: frozenset[str] = frozenset()) -> str | None:
    """Why a request with these (lowercased) headers is refused, or ``None`` when it may pass."""
    raw_host = headers.get(b"host", b"").decode("latin-1")
    if raw_host and not is_local_name(split_host(raw_host), extra_hosts):
        return (
            f"Host {raw_host!r} is not this emulator's address (DNS rebinding?): use 127.0.0.1 or localhost, "
            f"or list the name in {ENV_ALLOWED_HOSTS}"
        )
    origin = headers.get(b"origin")
    if origin is not None:
        text = origin.decode("latin-1").strip().lower()
        own = raw_host.strip().lower()
        if not own or text not in (f"http://{own}", f"https://{own}"):
            return f"cross-origin request refused: Origin {text!r} is not this emulator's own (http://{own})"
    site = headers.get(b"sec-fetch-site")
    if site in _CROSS and headers.get(b"sec-fetch-mode") != b"navigate":
        return f"cross-site request refused (Sec-Fetch-Site: {site.decode('latin-1')})"
    if site in _CROSS and headers.get(b"sec-fetch-dest", b"document") != b"document":
        return "cross-site request refused: the emulator is not to be embedded in another site's page"
    return None


class SameOriginGuard:
    """ASGI middleware refusing cross-origin browser requests (module docstring) before any route runs."""

    def __init__(self, app: ASGIApp, extra_hosts: Iterable[str] = ()) -> None:
        self.app = app
        configured = os.environ.get(ENV_ALLOWED_HOSTS, "").split(",")
        self.extra_hosts = frozenset(host.strip().lower() for host in [*extra_hosts, *configured] if host.strip())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope["headers"] if name in _CHECKED}
        reason = refusal(headers, self.extra_hosts)
        if reason is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"Type": "User", "message": reason}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-amzn-errortype", ERROR_CODE.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


_CHECKED = frozenset({b"host", b"origin", b"sec-fetch-site", b"sec-fetch-mode", b"sec-fetch-dest"})

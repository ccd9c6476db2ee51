"""The sandbox page's server answers its own page only.

With ANTHROPIC_API_KEY set every message sent through the page spends real money, and the page
listens on 127.0.0.1 where any web site the same person has open can reach it: a form POST or
a `fetch` from another origin, or a DNS-rebinding name that resolves to 127.0.0.1 so the
browser treats it as same-origin. So every request must name this server in `Host`, any
`Origin` must be this server, and a request that changes something must be JSON (a plain HTML
form cannot send that content type without the browser asking first, and we never say yes).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    error: str


def refusal(headers: Message, bound_host: str, port: int, changes_state: bool) -> Refusal | None:
    """Why this request must not be served, or None when it comes from the page itself."""
    hosts = {f"{name}:{port}" for name in (*LOOPBACK_NAMES, bound_host)}
    if headers.get("Host", "").lower() not in hosts:
        return Refusal(HTTPStatus.MISDIRECTED_REQUEST, "host_not_allowed")
    origin = headers.get("Origin")
    if origin is not None and origin.lower() not in {f"http://{host}" for host in hosts}:
        return Refusal(HTTPStatus.FORBIDDEN, "origin_not_allowed")
    if changes_state and headers.get_content_type() != "application/json":
        return Refusal(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "json_only")
    return None

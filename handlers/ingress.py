"""Where Slack's HTTP requests come in: Bolt's WSGI adapter and its signature check, with two
mends that production (`app.py serve`), the sandbox and the tests share.

- A body that is not a JSON object (an Events API body, or an interactivity `payload=`) is a
  400 with one log line. Bolt's adapter parses the body before anything else and raises, so
  waitress would answer 500 and log a traceback for every such request.
- A request with a bad signature is logged by its timestamp and first bytes only. Bolt's own
  check logs the whole body, and a forged or misrouted body may carry anything.
- With one Slack app per agent (handlers/agent_apps.py), each agent app is a Bolt app of its
  own behind the same URL: a request signed with an agent app's secret goes to that app;
  every other request goes to the department's, whose check refuses a bad signature. An
  agent app installed by OAuth serves its own install page and redirect (GET).
- A web process that started while the database was away answers every request 503 until
  the database answers (handlers/database_gate.py): Slack delivers it again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.middleware.request_verification import RequestVerification
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from handlers.database_gate import DatabaseGate

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# The name Bolt gives its middleware in its logs. Unnamed, an App names itself by reading the
# source of every frame up the stack (inspect.stack()): about 0.2 s per App made.
BOLT_APP_NAME = "app.py"
# Enough to tell a JSON body from a form body; an Events API body starts `{"token":"`, so
# more would begin to show the (legacy) verification token.
LOGGED_BODY_CHARS = 8


class QuietRequestVerification(RequestVerification):
    """Bolt's signature check, logging a refusal without the body."""

    def _debug_log_error(self, signature: str, timestamp: str, body: str) -> None:
        self.logger.info(
            "Refused a request with a bad Slack signature (timestamp %s, %d chars, starts %r)",
            timestamp,
            len(body),
            body[:LOGGED_BODY_CHARS],
        )


@dataclass(frozen=True)
class AgentApp:
    """An agent's own Slack app: its Bolt app, and the secret its requests are signed with."""

    agent_id: str
    app: App
    verifier: SignatureVerifier

    def signed(self, request: BoltRequest) -> bool:
        timestamp = request.headers.get("x-slack-request-timestamp") or [""]
        signature = request.headers.get("x-slack-signature") or [""]
        return self.verifier.is_valid(request.raw_body, timestamp[0], signature[0])


class DepartmentApp(App):
    """The department's Bolt app, and the agents' own apps served beside it (none by
    default: one app speaks as every agent)."""

    agent_apps: tuple[AgentApp, ...] = ()
    database_gate: DatabaseGate | None = None  # None: the database answered at start-up


class SlackWsgiHandler(SlackRequestHandler):
    """Bolt's WSGI adapter; an unparsable body is the sender's fault (400), not ours (500);
    nothing is served before the database has answered (503)."""

    def _get_http_response(self, request: WsgiHttpRequest) -> WsgiHttpResponse:
        gate = self.app.database_gate if isinstance(self.app, DepartmentApp) else None
        if gate is not None and not gate.is_open():
            return WsgiHttpResponse(
                status=503,
                headers={"content-type": ["text/plain;charset=utf-8"], "retry-after": ["10"]},
                body="The database is not answering yet; try again shortly.",
            )
        return self._agent_install_page(request) or super()._get_http_response(request)

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        # Only parsing happens here: JSONDecodeError, UnicodeDecodeError, a bad length, or a
        # body that is JSON but no object (Bolt then calls `.get` on a list, a str, None…).
        except (ValueError, TypeError, AttributeError, KeyError) as error:
            return _bad_request(type(error).__name__)
        return self._app_for(bolt_request).dispatch(bolt_request)

    def _agent_install_page(self, request: WsgiHttpRequest) -> WsgiHttpResponse | None:
        """An agent app's install page and redirect are its own (their paths name the agent);
        None: everything else, as Bolt's adapter does it."""
        for agent_app in self._agent_apps():
            flow = agent_app.app.oauth_flow
            if request.method != "GET" or flow is None:
                continue
            if request.path in (flow.install_path, flow.redirect_uri_path):
                bolt_request = BoltRequest(
                    body=request.get_body(),
                    query=request.query_string,
                    headers=request.get_headers(),
                )
                handle = (
                    flow.handle_installation
                    if request.path == flow.install_path
                    else flow.handle_callback
                )
                answer = handle(bolt_request)
                return WsgiHttpResponse(
                    status=answer.status, headers=answer.headers, body=answer.body
                )
        return None

    def _agent_apps(self) -> tuple[AgentApp, ...]:
        return self.app.agent_apps if isinstance(self.app, DepartmentApp) else ()

    def _app_for(self, request: BoltRequest) -> App:
        """The app whose secret signed the request (Slack signs with the receiving app's)."""
        for agent_app in self._agent_apps():
            if agent_app.signed(request):
                return agent_app.app
        return self.app


def _bad_request(what: str) -> BoltResponse:
    logger.warning("Refused a Slack request whose body is not a JSON object (%s)", what)
    return BoltResponse(status=400, body={"error": "invalid request body"})


def wsgi_handler(app: App) -> SlackWsgiHandler:
    """The WSGI application that serves `app` on EVENTS_PATH."""
    return SlackWsgiHandler(app, path=EVENTS_PATH)

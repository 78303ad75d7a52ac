"""A small real HTTP server standing in for the Fonte API, to fail on purpose.

It forwards to the real API (so the good answers are real), except where a scenario
says otherwise: answer 503 a few times first, cut the body half-way, or serve a crafted
body.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class Scenario:
    def __init__(
        self,
        upstream: str,
        *,
        fail_first: int = 0,
        fail_status: int = 503,
        retry_after: str | None = "0",
        cut_body_at: float | None = None,
        body: bytes | None = None,
        on_data_request=None,
    ):
        self.upstream = upstream
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.retry_after = retry_after
        self.cut_body_at = cut_body_at
        self.body = body
        self.data_requests = 0
        self.lock = threading.Lock()
        # Called with the request's number before forwarding it: a fault to inject.
        self.on_data_request = on_data_request


# Long because it holds a class: the request handler bound to one scenario (http.server
# wants a class, not an instance).
def _handler(scenario: Scenario):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path.startswith("/data"):
                with scenario.lock:
                    scenario.data_requests += 1
                    attempt = scenario.data_requests
                if scenario.on_data_request is not None:
                    scenario.on_data_request(attempt)
                if attempt <= scenario.fail_first:
                    self.send_response(scenario.fail_status)
                    if scenario.retry_after is not None:
                        self.send_header("Retry-After", scenario.retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if scenario.body is not None:
                    self._send(200, scenario.body, "text/csv")
                    return
            # The token, if any, goes through: the real API decides.
            headers = {"Authorization": self.headers["Authorization"]} if "Authorization" in self.headers else {}
            try:
                upstream = requests.get(scenario.upstream + self.path, headers=headers, timeout=60)
            except requests.RequestException:
                self._send(502, b'{"detail": "upstream API unreachable"}', "application/json")
                return
            body = upstream.content
            if self.path.startswith("/data") and scenario.cut_body_at is not None:
                # Promise the whole body, send part of it, then hang up.
                self.send_response(200)
                self.send_header("Content-Type", upstream.headers["content-type"])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: int(len(body) * scenario.cut_body_at)])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self._send(upstream.status_code, body, upstream.headers["content-type"])

        def _send(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class FakeApi:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(scenario))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

"""``serve`` with ``OTEL_EXPORTER_OTLP_ENDPOINT`` exports its spans over OTLP/HTTP: a loopback
collector receives them (decoded with the OTLP protobuf types) when the server stops, and
``/metrics`` answers a loopback scrape of the same process."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.running.served import Served, clean_env, free_port


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_serve_exports_request_spans_over_otlp(
    collector: Collector, workspace: Path, tmp_path: Path
) -> None:
    fast_genai = str(Path(sys.executable).with_name("fast-genai"))
    port = free_port()
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        OTEL_SERVICE_NAME="fg-test",
        FAST_GENAI_METRICS="true",
    )
    served = Served(
        [fast_genai, "serve", "--port", str(port), "--workspace", str(workspace)],
        port=port, log=tmp_path / "serve.log", env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        served.wait_ready(timeout=90)
        assert httpx.get(f"{served.url}/api/v1/tools", timeout=10).status_code == 401
        scrape = httpx.get(f"{served.url}/metrics", timeout=10)
        assert scrape.status_code == 200 and 'route="/api/v1/tools"' in scrape.text
    finally:
        served.stop()  # SIGTERM: the lifespan ends and the batch exporter flushes
    paths = {path for path, _ in collector.received}
    assert paths == {"/v1/traces"}, (paths, served.output())
    names, services = set(), set()
    for _, body in collector.received:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            for attribute in resource_spans.resource.attributes:
                if attribute.key == "service.name":
                    services.add(attribute.value.string_value)
            for scope_spans in resource_spans.scope_spans:
                names |= {span.name for span in scope_spans.spans}
    assert services == {"fg-test"}
    assert "GET /api/v1/tools" in names, names
    assert not any("readyz" in name for name in names)  # health probes are not traced

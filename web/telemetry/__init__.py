"""Opt-in telemetry: OpenTelemetry traces over OTLP and Prometheus ``/metrics``.

Off by default, and then nothing of the SDKs is imported. ``OTEL_EXPORTER_OTLP_ENDPOINT`` turns
on traces (FastAPI requests; pydantic-ai's agent runs, model requests and tool calls) without
prompt or file content unless ``FAST_GENAI_TELEMETRY_CONTENT=true``. ``FAST_GENAI_METRICS=true``
serves ``/metrics``; run, tool and token figures are read from the same pydantic-ai spans.
"""

from __future__ import annotations

from web.telemetry.install import Telemetry, install_telemetry

__all__ = ["Telemetry", "install_telemetry"]

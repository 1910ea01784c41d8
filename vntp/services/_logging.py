"""One log format for both services: ``key=value`` lines on stdout with trace ids.

Each line carries ``trace_id`` and ``span_id`` when it is written inside a span, so a
log line leads to its trace in any backend. Records also travel through the
OpenTelemetry logs pipeline when telemetry is on (see :mod:`vntp.services._telemetry`).
"""

from __future__ import annotations

import logging
import sys
import time

from opentelemetry import trace

__all__ = ("KeyValueFormatter", "configure_logging")


class KeyValueFormatter(logging.Formatter):
    """``time level logger message trace_id=… span_id=…``, one record a line."""

    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        line = f"{stamp}.{int(record.msecs):03d}Z level={record.levelname} logger={record.name}"
        line += f" msg={record.getMessage()!r}"
        if context.is_valid:
            line += f" trace_id={context.trace_id:032x} span_id={context.span_id:016x}"
        if record.exc_info and record.exc_info[0] is not None:
            # One record, one line: the traceback rides along escaped, for log shippers that split on newlines.
            line += f" exc_type={record.exc_info[0].__name__} traceback={self.formatException(record.exc_info)!r}"
        return line


def configure_logging(level: str) -> None:
    """Send every record to stdout in the key=value format; idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_vntp", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(KeyValueFormatter())
    handler._vntp = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("uvicorn.access", "httpx", "httpcore", "sqlalchemy.engine", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

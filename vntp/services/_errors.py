"""Domain errors and the one place that maps every error to an HTTP response.

Clients get a status, a sentence and, for input errors, the field at fault. They never
get a stack trace, SQL or a driver message.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from advanced_alchemy.exceptions import DuplicateKeyError, ForeignKeyError, NotFoundError, RepositoryError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy import exc as sa_exc

from vntp.services._schemas import MATRICULE_PATTERN, PERIOD_PATTERN, RSSB_PATTERN, TEXT_PATTERN

if TYPE_CHECKING:
    from litestar.types import ExceptionHandlersMap

__all__ = (
    "ClientError",
    "ConflictError",
    "NotFound",
    "ServiceError",
    "UpstreamUnavailable",
    "exception_handlers",
    "sqlstate",
)

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status_code: int = HTTP_500_INTERNAL_SERVER_ERROR

    def __init__(self, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}


class ClientError(ServiceError):
    """The request cannot be served as sent (400)."""

    status_code = 400


class NotFound(ClientError):
    """The thing asked for does not exist (404)."""

    status_code = 404


class ConflictError(ClientError):
    """The request clashes with what is stored, e.g. a duplicate unique key (409)."""

    status_code = 409


class UpstreamUnavailable(ServiceError):
    """A service this one depends on did not answer in time (503, with ``Retry-After``)."""

    status_code = 503

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def _body(status_code: int, detail: str, extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status_code, "detail": detail}
    if extra:
        body["extra"] = extra
    return body


def _service_error(_: Request[Any, Any, Any], exc: ServiceError) -> Response[dict[str, Any]]:
    extra = [{"key": exc.field, "message": exc.detail}] if exc.field else None
    return Response(
        _body(exc.status_code, exc.detail, extra),
        status_code=exc.status_code,
        headers=exc.headers,
        media_type=MediaType.JSON,
    )


_MAX_MESSAGE = 300
_PATTERNS = {
    repr(RSSB_PATTERN): "digits then one capital letter, e.g. 1023829A or 3100000000A",
    repr(MATRICULE_PATTERN): "digits then one capital letter, e.g. 3100000000A",
    repr(PERIOD_PATTERN): "a month as YYYY-MM, between 1900-01 and 2099-12",
    repr(TEXT_PATTERN): "some visible text, without control characters",
}
_REGEX = re.compile(r"Expected `str` matching regex (?P<pattern>'.*')")
_MISSING = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_AT_PATH = re.compile(r" - at `\$\.(?P<field>[\w.]+)`")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _explain(item: dict[str, Any]) -> dict[str, Any]:
    """Say in words what a validation error means, with the field's wire name, and keep it short."""
    message = str(item.get("message", ""))
    key = item.get("key")
    if message == "'data'" and key == "data":
        return {"key": "body", "message": "The request body is missing; send a JSON object.", "source": "body"}
    if (missing := _MISSING.search(message)) is not None:
        key, message = missing["field"], f"{missing['field']} is required"
    elif (path := _AT_PATH.search(message)) is not None:
        key = path["field"]
    if (regex := _REGEX.search(message)) is not None:
        described = _PATTERNS.get(regex["pattern"])
        if described:
            message = message.replace(regex.group(0), f"Expected {described}")
    if key == "data":
        key = "body"
    elif isinstance(key, str):
        key = _camel(key)
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "…"
    return {**item, "key": key, "message": message}


def _http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else ([exc.extra] if exc.extra else None)
    if extra and exc.status_code == 400:
        extra = [_explain(item) if isinstance(item, dict) else item for item in extra]
    return Response(
        _body(exc.status_code, exc.detail, extra),
        status_code=exc.status_code,
        headers=exc.headers,
        media_type=MediaType.JSON,
    )


def _not_found(_: Request[Any, Any, Any], exc: NotFoundError) -> Response[dict[str, Any]]:
    return Response(_body(404, exc.detail or "No such record."), status_code=404, media_type=MediaType.JSON)


def _duplicate(_: Request[Any, Any, Any], exc: DuplicateKeyError) -> Response[dict[str, Any]]:
    return Response(
        _body(409, exc.detail or "A record with the same unique key already exists."),
        status_code=409,
        media_type=MediaType.JSON,
    )


def _foreign_key(_: Request[Any, Any, Any], exc: ForeignKeyError) -> Response[dict[str, Any]]:
    return Response(
        _body(409, exc.detail or "The record is still referenced by other records."),
        status_code=409,
        media_type=MediaType.JSON,
    )


_UNAVAILABLE = (OSError, TimeoutError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.OperationalError)
"""Errors that mean the database cannot be reached (refused, unknown host, timed out), not a bad request."""
_UNAVAILABLE_STATES = ("08", "57P")
"""SQLSTATE classes of a database that cannot serve now: connection exceptions, shutting down or starting."""
_DATA_EXCEPTION = "22"
"""SQLSTATE class of values the database cannot hold (bad characters, numbers out of range)."""


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or during, outermost first."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def sqlstate(exc: BaseException) -> str:
    """The Postgres SQLSTATE behind a wrapped database error, or "" when there is none."""
    for item in _causes(exc):
        code = getattr(item, "sqlstate", None) or getattr(getattr(item, "orig", None), "sqlstate", None)
        if isinstance(code, str):
            return code
    return ""


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    chain = _causes(exc)
    route = request.scope.get("path_template") or "unmatched"
    unreachable = any(
        isinstance(item, _UNAVAILABLE) or getattr(item, "connection_invalidated", False) for item in chain
    )
    state = sqlstate(exc)
    if unreachable or state.startswith(_UNAVAILABLE_STATES):
        logger.warning("database unavailable on %s %s: %s", request.method, route, type(chain[-1]).__name__)
        return Response(
            _body(503, "The database is unavailable; try again shortly."),
            status_code=503,
            headers={"Retry-After": "5"},
            media_type=MediaType.JSON,
        )
    if state.startswith(_DATA_EXCEPTION):
        return Response(
            _body(400, "A value in the request cannot be stored (out of range or holding invalid characters)."),
            status_code=400,
            media_type=MediaType.JSON,
        )
    if isinstance(exc, RecursionError):
        return Response(_body(400, "The request body nests too deeply."), status_code=400, media_type=MediaType.JSON)
    logger.error("unhandled %s on %s %s", type(exc).__name__, request.method, route, exc_info=exc)
    return Response(
        _body(500, "Internal server error; the service log has the details."),
        status_code=500,
        media_type=MediaType.JSON,
    )


exception_handlers: ExceptionHandlersMap = {
    ServiceError: _service_error,
    HTTPException: _http_exception,
    NotFoundError: _not_found,
    DuplicateKeyError: _duplicate,
    ForeignKeyError: _foreign_key,
    RepositoryError: _internal,
    Exception: _internal,
}

"""Domain errors and the one place that maps every error to an HTTP response.

Clients get a status, a sentence and, for input errors, the field at fault. They never
get a stack trace, SQL or a driver message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from advanced_alchemy.exceptions import DuplicateKeyError, ForeignKeyError, NotFoundError, RepositoryError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

if TYPE_CHECKING:
    from litestar.types import ExceptionHandlersMap

__all__ = (
    "ClientError",
    "ConflictError",
    "NotFound",
    "ServiceError",
    "UpstreamUnavailable",
    "exception_handlers",
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


def _http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else ([exc.extra] if exc.extra else None)
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


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.error("unhandled error on %s %s", request.method, request.scope.get("path"), exc_info=exc)
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

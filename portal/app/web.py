"""HTTP glue: the GraphQL view that makes each request one unit of work, and health routes."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import orjson
from cross_web import HTTPException  # what strawberry's views answer as an HTTP error
from graphql import GraphQLError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from identity.throttling import replay_counted_attempts
from portal.admission import OnePerIteration
from portal.app.runtime import Runtime
from portal.db import is_read_only
from portal.errors import Unavailable, as_unavailable
from portal.frontend.ide import graphiql_page
from portal.request_id import request_id_of
from schema.common.context import RequestContext

logger = logging.getLogger("portal.web")
# A header a browser page can only send cross-site after a CORS preflight (see csrf_refusal).
PREFLIGHT_HEADER = "graphql-require-preflight"


def is_unexpected(error: GraphQLError) -> bool:
    """An error caused by a bug or an outage rather than by the request (those are GraphQLErrors
    raised on purpose: permissions, bad arguments, syntax)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class UnitOfWorkGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with one database session per request.

    The session is committed after execution unless a resolver failed unexpectedly, in which case
    everything the request did is rolled back. Mutations that return typed errors have already
    rolled back their own savepoint (see ``schema.common.errors.Atomic``).
    """

    def __init__(
        self,
        schema: Schema,
        runtime: Runtime,
        *,
        graphiql: bool,
        uploads: bool = False,
        trusted_origins: tuple[str, ...] = (),
        admission: OnePerIteration | None = None,
        admission_lane: str = "",
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=uploads,
        )
        self.runtime = runtime
        self.admission = admission or OnePerIteration()
        self.admission_lane = admission_lane
        self.trusted_origins = frozenset((runtime.settings.public_origin, *trusted_origins))

    def decode_json(self, data: str | bytes) -> object:
        # orjson raises a json.JSONDecodeError subclass, which strawberry answers with 400.
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        """The response body: orjson (about 8x the standard library on a page of 100 rows);
        the standard library for what orjson refuses (integers beyond 64 bits in JSON
        scalars)."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":")).encode()

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        # Strawberry expects an object (or a list: a batch, which it refuses); a bare string,
        # number or null would reach `.get` and fail as a 500.
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def render_graphql_ide(self, request: Request) -> Response:
        # Strawberry's page loads GraphiQL from a CDN with an inline script; ours is vendored.
        return graphiql_page(request.url.path, f"GraphiQL - {self.runtime.settings.portal_name}")

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        assert isinstance(request, Request)
        assert isinstance(response, Response)
        request.state.failed = False
        request.state.sub_response = response
        # The session is opened at its first use, once the operation is known: a query gets a
        # read-only one (schema.common.context.ReadOnlyQueries); _finish ends it.
        runtime = self.runtime
        return RequestContext(
            request=request,
            response=response,
            settings=runtime.settings,
            database=runtime.database,
            identity=runtime.identity,
            email_renderer=runtime.mailer.renderer,
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        formatted_errors: list[dict[str, Any]] = list(response.get("errors") or [])  # type: ignore[arg-type]
        for index, error in enumerate(result.errors or ()):
            if not is_unexpected(error):
                continue
            request.state.failed = True
            refusal = as_unavailable(error.original_error)
            if refusal is not None and index < len(formatted_errors):
                # Not a bug: a typed answer the client can wait on, never a 500.
                logger.warning(
                    "refused for now (%s) at %s: %r",
                    refusal.code,
                    error.path,
                    refusal.__cause__ or refusal,
                )
                formatted_errors[index] = refused_error(refusal, formatted_errors[index])
                _answer_status(request, refusal)
                continue
            # The request id is also the response's X-Request-Id header and the log line's key.
            incident = request_id_of(request)
            logger.error(
                "unexpected error in request %s at %s",
                incident,
                error.path,
                exc_info=error.original_error,
            )
            if self.runtime.settings.is_production and index < len(formatted_errors):
                # No stack traces, SQL or paths for clients: the id finds the log line.
                formatted_errors[index] = {
                    "message": "Internal server error.",
                    "path": formatted_errors[index].get("path"),
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "incident": incident},
                }
        if formatted_errors:
            response["errors"] = list[object](formatted_errors)
        return response

    async def run(  # type: ignore[override]
        self,
        request: Request,
        context: RequestContext | UnsetType = UNSET,
        root_value: Any = UNSET,
    ) -> Response:
        refusal = self.csrf_refusal(request)
        if refusal is not None:
            message, status = refusal
            await request.close()
            return JSONResponse(
                {"errors": [{"message": message, "extensions": {"code": "CSRF_REFUSED"}}]},
                status_code=status,
            )
        try:
            # A burst of requests starts its GraphQL work one per loop iteration
            # (portal.admission); a request cancelled while it waits still closes its upload.
            await self.admission.admit(self.admission_lane)
            response = await super().run(request, context, root_value)  # type: ignore[arg-type]
        except BaseException:
            await _finish(request, commit=False)
            raise
        finally:
            # Uploaded files spool to temporary files; a refused request never reads them.
            await request.close()
        await _finish(request, commit=not getattr(request.state, "failed", True))
        return response

    def csrf_refusal(self, request: Request) -> tuple[str, int] | None:
        """Why a POST that a foreign page could have sent with the user's cookies is refused.

        Requests with ``Authorization: Bearer`` are not at risk (a page cannot attach the
        header cross-site without a CORS preflight). Others must be ``application/json`` (a
        simple form or ``text/plain`` POST needs no preflight) and, when the browser names
        an ``Origin``, come from this server, the public URL or a configured CORS origin.

        A file upload (multipart, which a plain HTML form can send cross-site) with cookies
        must also carry the ``GraphQL-Require-Preflight`` header, which no page can add
        cross-site without a preflight that only trusted origins pass, and name a trusted
        ``Origin`` (browsers always send one with a POST): that is how the staff console
        uploads CSV files without holding a bearer token in script-readable storage.
        """
        if request.method != "POST" or "authorization" in request.headers:
            return None
        content_type = request.headers.get("content-type", "")
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.url.netloc}"
        trusted = origin == own or origin in self.trusted_origins
        if content_type.startswith("multipart/"):
            if PREFLIGHT_HEADER in request.headers and origin is not None and trusted:
                return None
            return (
                "File uploads need an Authorization: Bearer token, or from a browser the "
                f"{PREFLIGHT_HEADER} header and a trusted Origin.",
                403,
            )
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            return "POST requests must be application/json.", 415
        if origin is not None and not trusted:
            return "This origin may not send credentialed requests.", 403
        return None


def refused_error(refusal: Unavailable, formatted: dict[str, Any]) -> dict[str, Any]:
    return {
        "message": refusal.message,
        "path": formatted.get("path"),
        "extensions": {"code": refusal.code, "retryAfter": refusal.retry_after_seconds},
    }


def _answer_status(request: Request, refusal: Unavailable) -> None:
    """The response's status and Retry-After follow the refusal (the first one decides)."""
    response: Response | None = getattr(request.state, "sub_response", None)
    if response is None or response.status_code:
        return
    response.status_code = refusal.status
    response.headers["Retry-After"] = str(refusal.retry_after_seconds)


async def _finish(request: Request, *, commit: bool) -> None:
    session: AsyncSession | None = getattr(request.state, "db_session", None)
    if session is None:
        return
    try:
        if commit and not is_read_only(session):
            await session.commit()
        else:
            # A query's unit of work wrote nothing, so it ends with a rollback. That also works
            # when GraphQL cancelled a field in the middle of a statement (a failing field nulls
            # its parent object and the parent's other fields are cancelled): its connection
            # can roll back but not commit.
            await session.rollback()
    finally:
        await session.close()
    runtime: Runtime = request.app.state.runtime
    if commit and is_read_only(session):
        await runtime.database.run_deferred_writes(session)
    if not commit:
        await replay_counted_attempts(runtime.database, session)


def download_route(runtime: Runtime) -> Any:
    async def download(request: Request) -> Response:
        """Stream an export behind a short-lived signed link (no cookie needed, no caching)."""
        from identity.downloads import job_of_download_token
        from identity.signed_tokens import TokenInvalid
        from portal.services.exports import ExportUnavailable, open_download

        session = runtime.database.new_session()
        try:
            job_id = job_of_download_token(
                runtime.identity.tokens, request.query_params.get("token", "")
            )
            job, chunks = await open_download(session, job_id)
            await session.commit()
        except (TokenInvalid, ExportUnavailable):
            await session.close()
            return JSONResponse({"error": "invalid or expired link"}, status_code=404)

        async def body() -> Any:
            try:
                async for chunk in chunks:
                    yield chunk
            finally:
                await session.rollback()
                await session.close()

        name = f"{job.kind}-{job.created_at:%Y%m%d-%H%M}.csv"
        return StreamingResponse(
            body(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )

    return download


def health_routes(runtime: Runtime) -> tuple[Any, Any]:
    async def healthz(_request: Request) -> Response:
        """The process is up (liveness)."""
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        """Every configured dependency answers (readiness): the database, and Redis when
        ``PORTAL_REDIS_URL`` is set (the throttle counters live there; logins, registrations
        and resets cannot be served without it)."""
        checks = {"database": _database_answers(runtime)}
        if runtime.redis is not None:
            checks["redis"] = _redis_answers(runtime.redis)
        states: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check, timeout=5)
                states[name] = "up"
            except Exception as exc:  # any failure means "not ready"
                logger.warning("readiness check of %s failed: %s", name, type(exc).__name__)
                states[name] = "down"
        if "down" in states.values():
            return JSONResponse({"status": "unavailable", **states}, status_code=503)
        return JSONResponse({"status": "ok", **states})

    return healthz, readyz


async def _database_answers(runtime: Runtime) -> None:
    async with runtime.database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _redis_answers(redis: Any) -> None:
    await redis.ping()


def with_cors(api: ASGIApp, origins: tuple[str, ...]) -> ASGIApp:
    """One API behind its own CORS policy: browsers on ``origins`` may call it with cookies
    (and the Authorization header); every other origin gets no CORS headers at all."""
    if not origins:
        return api
    return CORSMiddleware(
        api,
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", "authorization", "x-request-id", PREFLIGHT_HEADER],
        allow_credentials=True,
        max_age=600,
    )

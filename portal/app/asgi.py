"""``create_app``: the ASGI application, assembled from settings, database, identity, mail and
the two GraphQL APIs."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal.admission import OnePerIteration
from portal.app.body_limits import BodyLimit
from portal.app.runtime import Runtime
from portal.app.web import UnitOfWorkGraphQL, download_route, health_routes, with_cors
from portal.config import Settings
from portal.email.delivery import run_worker
from portal.frontend import frontend_routes
from portal.frontend.headers import SecurityHeadersMiddleware
from portal.request_id import RequestIdMiddleware
from portal.webhooks.delivery import run_worker as run_webhook_worker
from schema.admin.schema import admin_schema
from schema.portal.schema import portal_schema


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    """The ASGI application: ``/graphql`` (customers), ``/admin/graphql`` (staff),
    ``/healthz``, ``/readyz`` and the built-in pages (:mod:`portal.frontend`). Refuses unsafe
    production settings."""
    if runtime is None:
        settings = settings or Settings.from_env()
        settings.check_production()
        runtime = Runtime.build(settings.with_development_secret())
    graphiql = runtime.settings.graphiql_enabled
    settings = runtime.settings
    # Both APIs share the event loop, so they share admission, in lanes of their own: a burst
    # of anonymous customer requests does not queue staff requests behind it.
    admission = OnePerIteration()
    customer_api = UnitOfWorkGraphQL(
        portal_schema,
        runtime,
        graphiql=graphiql,
        trusted_origins=settings.cors_origins,
        admission=admission,
        admission_lane="customer",
    )
    staff_api = UnitOfWorkGraphQL(
        admin_schema, runtime, graphiql=graphiql, uploads=True,
        trusted_origins=settings.admin_cors_origins, admission=admission, admission_lane="staff",
    )  # fmt: skip
    healthz, readyz = health_routes(runtime)

    def body_limit(api: ASGIApp) -> ASGIApp:
        return BodyLimit(
            api,
            json_bytes=settings.max_json_body_bytes,
            multipart_bytes=settings.max_multipart_body_bytes,
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        freeze_startup_heap()
        # The outbox worker runs beside the server; with several workers or machines each runs
        # one, and row claiming keeps every message sent once.
        stop = asyncio.Event()
        # The webhook worker likewise: endpoints are leased, so each event is sent once.
        workers = []
        if runtime.settings.mail_worker:
            workers.append(
                asyncio.create_task(run_worker(runtime.mailer, stop), name="mail-delivery")
            )
        if runtime.settings.webhook_worker:
            workers.append(
                asyncio.create_task(
                    run_webhook_worker(runtime.webhooks, stop), name="webhook-delivery"
                )
            )
        try:
            yield
        finally:
            stop.set()
            for worker in workers:
                await worker
            await runtime.close()

    app = Starlette(
        routes=[
            Route("/graphql", with_cors(body_limit(customer_api), settings.cors_origins)),
            Route("/admin/graphql", with_cors(body_limit(staff_api), settings.admin_cors_origins)),
            Route("/admin/exports/download", download_route(runtime), methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *frontend_routes(settings),
        ],
        middleware=[
            *proxy_middleware(settings),
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware, hsts=settings.public_url.startswith("https://")),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app


def proxy_middleware(settings: Settings) -> list[Middleware]:
    """Take the client's address from ``X-Forwarded-For`` (and the scheme from
    ``X-Forwarded-Proto``) only when the peer is one of ``PORTAL_TRUSTED_PROXIES``; the
    rightmost address not itself a trusted proxy is the client. Without the setting the peer is
    the client, whatever a request says (``portal serve`` leaves uvicorn's own handling off)."""
    if not settings.trusted_proxies:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))]


def freeze_startup_heap() -> None:
    """Move everything alive at start-up (modules, both schemas, mappers, compiled queries) into
    the collector's permanent generation. A full collection then scans only what requests
    allocated: measured on the nested-page and login-load benchmarks, that is what turned
    100 ms pauses into a few ms (benchmarks/README.md)."""
    gc.collect()
    gc.freeze()

"""Build the FastAPI application. Every router is included here, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hubdesk import __version__, webchat
from hubdesk.api.body_limit import BodyLimitMiddleware
from hubdesk.api.errors import document_errors, install_error_handlers
from hubdesk.api.routes import (
    announcements,
    announcements_page,
    api_docs,
    auth,
    cases,
    chat,
    health,
    kb,
    metrics,
    page_assets,
    stats,
    users,
    volunteer_page,
    webchat_relay,
)
from hubdesk.api.routes.telegram_webhook import router as telegram_webhook_router
from hubdesk.api.routes.whatsapp_webhook import router as whatsapp_webhook_router
from hubdesk.api.security_headers import SecurityHeadersMiddleware
from hubdesk.bot import whatsapp
from hubdesk.bot.telegram import telegram_lifespan
from hubdesk.jobs import start_background_jobs, stop_background_jobs
from hubdesk.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Channels that live on the event loop start with the app and stop with it; so do background jobs."""
    async with whatsapp.running(), telegram_lifespan(app):
        start_background_jobs(app)  # the daily retention purge (hubdesk.jobs)
        try:
            yield
        finally:
            await stop_background_jobs(app)


def create_app() -> FastAPI:
    """A fresh app; tests build their own with their own settings."""
    public_docs = get_settings().api_docs_public  # private in production unless HUBDESK_PUBLIC_API_DOCS
    app = FastAPI(title="HubDesk", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs" if public_docs else None, redoc_url="/redoc" if public_docs else None,
                  openapi_url="/api/openapi.json" if public_docs else None)
    if not public_docs:
        app.include_router(api_docs.router)
    app.include_router(health.router)
    app.include_router(metrics.build_router())  # private in production (HUBDESK_PUBLIC_METRICS)
    app.include_router(chat.router)
    app.include_router(cases.router)
    app.include_router(kb.router)
    app.include_router(webchat_relay.router)
    app.include_router(volunteer_page.router)
    app.include_router(page_assets.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(stats.router)
    app.include_router(announcements.router)
    app.include_router(announcements_page.router)
    app.include_router(whatsapp_webhook_router)
    app.include_router(telegram_webhook_router)
    webchat.register_sender()
    install_error_handlers(app)  # a database outage is a 503, one shape for a 422, a 405's whole Allow
    document_errors(app)  # the OpenAPI document lists the errors each operation really answers
    app.add_middleware(SecurityHeadersMiddleware)  # on every response, errors and refusals included
    # Outermost: a body over its route's limit is refused while it arrives, before anything parses it.
    app.add_middleware(BodyLimitMiddleware)
    return app

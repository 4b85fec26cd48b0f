"""Build the FastAPI application. Every router is included here, once."""

from __future__ import annotations

from fastapi import FastAPI

from api.routes import auth, cases, chat, health, kb, metrics, stats, users, volunteer_page, webchat_relay
from hubdesk import __version__, webchat


def create_app() -> FastAPI:
    """A fresh app; tests build their own with their own settings."""
    app = FastAPI(title="HubDesk", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(chat.router)
    app.include_router(cases.router)
    app.include_router(kb.router)
    app.include_router(webchat_relay.router)
    app.include_router(volunteer_page.router)
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(stats.router)
    webchat.register_sender()
    return app

"""Liveness for load balancers and container health checks."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up. (Database readiness is reported by /readyz once storage lands.)"""
    return {"status": "ok"}

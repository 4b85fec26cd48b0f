# HubDesk in one small image: `docker build -t hubdesk .` then see deploy/compose.example.yml.
FROM python:3.11-slim

# The wheel carries the knowledge base, the compiled catalogs and the migrations; state lives in /data.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUBDESK_DATA_DIR=/data \
    HUBDESK_LOG_FORMAT=json \
    HUBDESK_HOST=0.0.0.0 \
    HUBDESK_PORT=8000

WORKDIR /app
COPY . /app

# Install the project (not editable; the build compiles the catalogs) with the PostgreSQL driver, check the content.
RUN pip install "/app[postgres]" \
    && hubdesk kb check \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin hubdesk \
    && mkdir -p /data && chown hubdesk:hubdesk /data

USER hubdesk
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# Liveness only (a database outage is /readyz's business: restarting would not fix it). No curl in slim.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HUBDESK_PORT', '8000'), timeout=4)"]

CMD ["/app/scripts/container-start"]

# HubDesk in one small image: `docker build -t hubdesk .` then see deploy/compose.example.yml.
FROM python:3.11-slim

# HUBDESK_HOME: alembic/, locales/ and knowledge_base/ are read from /app (the package is installed non-editable).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUBDESK_HOME=/app \
    HUBDESK_DATABASE_URL=sqlite:////data/hubdesk.db \
    HUBDESK_JOURNAL_PATH=/data/journal.sqlite3 \
    HUBDESK_INBOX_DIR=/data/inbox \
    HUBDESK_DATA_DIR=/data \
    HUBDESK_LOG_FORMAT=json \
    HUBDESK_HOST=0.0.0.0 \
    HUBDESK_PORT=8000

WORKDIR /app
COPY . /app

# Install the project (not editable) with the PostgreSQL driver, compile the catalogs, check the content.
RUN pip install "/app[postgres]" \
    && pybabel compile -d locales -D hubdesk \
    && hubdesk kb check \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin hubdesk \
    && mkdir -p /data && chown hubdesk:hubdesk /data

USER hubdesk
VOLUME ["/data"]
EXPOSE 8000

# Liveness only (a database outage is /readyz's business: restarting would not fix it). No curl in slim.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HUBDESK_PORT', '8000'), timeout=4)"]

CMD ["/app/scripts/container-start"]

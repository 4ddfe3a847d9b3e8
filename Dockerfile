# slackapp for production: HTTP workers (gunicorn) on PostgreSQL. See compose.yaml and the README.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=3000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp

WORKDIR /app
COPY pyproject.toml README.md ./
COPY slackapp ./slackapp
RUN pip install . && useradd --system --uid 10001 slackapp
USER slackapp

EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=4)"

# Migrates, checks Slack, then serves POST /slack/events, /slack/install and /healthz on PORT, and
# /metrics on 127.0.0.1:3001 inside the container (SLACKAPP_METRICS_HOST=0.0.0.0 to scrape it from another).
CMD ["slackapp", "run", "--http"]

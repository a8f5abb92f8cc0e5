# The gateway only; the agencies it talks to are configured by SATUPINTU_AGENCIES__<CODE>__BASE_URL.
# No secret is baked in: the gateway refuses to start until the container is given
# SATUPINTU_SECRET_KEY, SATUPINTU_WEBHOOK_SECRET, SATUPINTU_AUDIT_SIGNING_KEY (fresh values:
# `docker run --rm <image> satupintu secrets generate`) and SATUPINTU_PUBLIC_URL (the URL
# clients reach it at), e.g. with `--env-file`. SATUPINTU_ENVIRONMENT=development runs it on
# published development values instead, for a machine with no real data.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY app ./app
COPY simulators ./simulators
RUN pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 satupintu
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/satupintu
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
RUN mkdir -p /srv/satupintu/data && chown satupintu /srv/satupintu/data
ENV PATH=/opt/venv/bin:$PATH \
    SATUPINTU_LOG_FORMAT=json \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////srv/satupintu/data/satupintu.db
USER satupintu
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]

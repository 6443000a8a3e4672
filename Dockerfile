# Casework's image: one image, one process per container (docs/containers.md).
#   docker build -t casework .
FROM python:3.11-slim-bookworm

# MALLOC_ARENA_MAX=2: two malloc arenas rather than one per thread (the web worker runs eight),
# about 12 MiB less per web worker at steady state (python -m bench.memory, README Performance).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CASEWORK_ENV=production \
    CASEWORK_VAR_DIR=/var/lib/casework \
    CASEWORK_LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/run/casework-metrics \
    MALLOC_ARENA_MAX=2

# postgresql-client: deploy/backup.sh and deploy/restore.sh run from this image too.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /srv/casework casework

WORKDIR /srv/casework
COPY pyproject.toml README.md manage.py ./
COPY casework ./casework
COPY deploy ./deploy
RUN pip install . \
    && mkdir -p /var/lib/casework /run/casework-metrics \
    && chown casework:casework /var/lib/casework /run/casework-metrics

# Static files are collected at build time under production storage (hashed names). These
# values exist only for this one command; the running container gets its own secrets.
RUN CASEWORK_ENV=production SECRET_KEY=build-only DATABASE_URL=sqlite:///:memory: \
    ALLOWED_HOSTS=build.invalid CASEWORK_VAULT_KEY=build-only \
    CASEWORK_AUDIT_KEY=build-only-audit-key-of-at-least-32-characters \
    python manage.py collectstatic --no-input --verbosity 0 \
    && chown -R casework:casework /var/lib/casework

USER casework
EXPOSE 8000 8001
# The web container by default; compose.yaml names the command of each other one.
CMD ["granian", "--interface", "wsgi", "casework.wsgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--blocking-threads", "8", "--http", "1", "--respawn-failed-workers", "--log-level", "warning"]

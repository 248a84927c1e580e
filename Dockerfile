# Production-like image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Pango for WeasyPrint; curl for health checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install -e .
COPY . .
RUN KPO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 kpo && mkdir -p /app/media && chown -R kpo /app/media
USER kpo
EXPOSE 8000
CMD ["gunicorn", "kpo.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# Production image: gunicorn serves the app, whitenoise the static files.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# A Chinese font for the circular's chart (matplotlib draws boxes without one).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
# Every dependency pinned with its hashes (requirements.lock, made by `make lock`).
COPY requirements.lock .
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY . .
RUN python scripts/compile_messages.py \
 && DJANGO_DEBUG=1 python manage.py collectstatic --no-input \
 && useradd --system --uid 10001 --home /app chengyi \
 && mkdir -p /app/var/backups && chown -R chengyi /app/var && chmod 0700 /app/var/backups
# Never root at run time.
USER 10001
EXPOSE 8000
CMD ["gunicorn", "tracker.wsgi:application", "--config", "tracker/gunicorn.conf.py"]

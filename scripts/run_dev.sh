#!/usr/bin/env bash
# Web server, Celery worker and beat together; Ctrl-C (or any of them dying) stops all three.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
mkdir -p var
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
"$PY" -m celery -A tracker worker -B -s "${CELERY_BEAT_SCHEDULE_FILE:-var/celerybeat-schedule}" --loglevel INFO \
  --concurrency 1 --without-mingle --without-gossip &
"$PY" manage.py runserver "127.0.0.1:$PORT" &
wait -n

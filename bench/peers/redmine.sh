#!/usr/bin/env bash
# Redmine, the peer the benchmark compares with: Debian's `redmine` 5.0 on PostgreSQL, served by
# Debian's `puma` on loopback. Idempotent; run as root (apt, su www-data).
#
#   bench/peers/redmine.sh setup              install (once), database, migrations
#   bench/peers/redmine.sh runner FILE [ARGS] rails runner FILE as www-data (the loader)
#   bench/peers/redmine.sh serve PORT WORKERS THREADS   puma on 127.0.0.1:PORT, in the
#                                             foreground: the caller stops it (SIGTERM)
#
# REDMINE_DATABASE (default redmine_bench) is the database; PGHOST/PGPORT the server (trust auth).
set -euo pipefail

DB="${REDMINE_DATABASE:-redmine_bench}"
APP_USER=redmine
APP_PASS=redmine-bench
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
HOME_DIR=/usr/share/redmine
CONF=/etc/redmine/default/database.yml
LOGDIR="${REDMINE_LOG_DIR:-/tmp}"

log() { echo "redmine: $*" >&2; }
psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
# Redmine runs with a clean environment: a DATABASE_URL of the caller's (our bench's) would
# take the place of Redmine's own database.yml.
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/www LANG=C.UTF-8 RAILS_ENV=production)
as_www() { runuser -u www-data -- "${CLEAN_ENV[@]}" bash -c "cd $HOME_DIR && $*"; }

apt_wait() {
  # Another install may hold the dpkg lock: wait for it (up to 20 minutes).
  for _ in $(seq 1 240); do
    if ! fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock >/dev/null 2>&1; then
      return 0
    fi
    sleep 5
  done
  log "the dpkg lock is still held after 20 minutes"; return 1
}

install() {
  if dpkg-query -W -f='${Status}\n' redmine redmine-pgsql puma 2>/dev/null | grep -c "install ok installed" | grep -qx 3; then
    return 0
  fi
  log "installing Debian's redmine, redmine-pgsql and puma (a few minutes)"
  # dbconfig-common asks for the database: answer it beforehand.
  debconf-set-selections <<SEL
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select pgsql
redmine redmine/instances/default/pgsql/method select TCP/IP
redmine redmine/instances/default/remote/host select $PGHOST
redmine redmine/instances/default/remote/port string $PGPORT
redmine redmine/instances/default/db/dbname string $DB
redmine redmine/instances/default/db/app-user string $APP_USER
redmine redmine/instances/default/pgsql/app-pass password $APP_PASS
redmine redmine/instances/default/app-password-confirm password $APP_PASS
redmine redmine/instances/default/pgsql/admin-user string postgres
redmine redmine/instances/default/pgsql/admin-pass password
redmine redmine/instances/default/pgsql/authmethod-admin select password
redmine redmine/instances/default/pgsql/authmethod-user select password
redmine redmine/current-instances string default
SEL
  apt_wait
  if [ ! -d /var/lib/apt/lists/partial ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock | grep -v partial)" ]; then
    apt-get update -q
  fi
  apt_wait
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    redmine redmine-pgsql puma >"$LOGDIR/redmine-apt.log" 2>&1 \
    || { tail -30 "$LOGDIR/redmine-apt.log" >&2; return 1; }
}

database() {
  # apt made the database once; a dropped one is not made again by apt: make it here, for
  # the user the instance's database.yml names (ours when this script installed Redmine).
  APP_USER=$(sed -n 's/^  username: *//p' "$CONF")
  APP_PASS=$(sed -n 's/^  password: *//p' "$CONF")
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$APP_USER'")" ]; then
    psql_admin -c "CREATE ROLE $APP_USER LOGIN PASSWORD '$APP_PASS'"
  fi
  if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
    log "creating the database $DB"
    psql_admin -c "CREATE DATABASE $DB OWNER $APP_USER ENCODING 'UTF8' TEMPLATE template0"
  fi
  # The instance's database.yml names our database (dbconfig-common wrote the one of the
  # first install; REDMINE_DATABASE may name another).
  if ! grep -q "database: $DB\$" "$CONF"; then
    sed -i "s/^\(  database:\).*/\1 $DB/" "$CONF"
  fi
  local wanted have
  wanted=$(ls "$HOME_DIR"/db/migrate/*.rb | wc -l)
  have=$(psql_admin -d "$DB" -c "SELECT count(*) FROM schema_migrations" 2>/dev/null || echo 0)
  if [ "${have:-0}" -lt "$wanted" ]; then
    log "migrating $DB ($have of $wanted migrations)"
    as_www "SCHEMA=/dev/null bin/rake db:migrate" >"$LOGDIR/redmine-migrate.log" 2>&1 \
      || { tail -30 "$LOGDIR/redmine-migrate.log" >&2; return 1; }
  fi
}

case "${1:-}" in
  setup)
    install
    database
    ;;
  runner)
    # The script and its arguments must be readable by www-data: copied to a temporary file.
    shift
    script=$(mktemp --suffix=.rb)
    cp "$1" "$script"
    chmod 644 "$script"
    shift
    trap 'rm -f "$script"' EXIT
    as_www "bin/rails runner $script $*"
    ;;
  serve)
    # Runs in the foreground (the caller stops it): puma on 127.0.0.1:PORT, WORKERS processes
    # of THREADS threads each, the app loaded once before the workers fork.
    port=$2 workers=$3 threads=$4
    cd "$HOME_DIR"
    exec runuser -u www-data -- "${CLEAN_ENV[@]}" \
      puma --environment production --bind "tcp://127.0.0.1:$port" \
      --workers "$workers" --threads "$threads:$threads" --preload config.ru
    ;;
  *) echo "usage: $0 setup | runner FILE [ARGS] | serve PORT WORKERS THREADS" >&2; exit 2 ;;
esac

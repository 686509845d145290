#!/bin/sh
# Excel import benchmark on SQLite and PostgreSQL, each on a fresh scratch database.
# Usage: sh benchmarks/import_bench.sh [PEOPLE]   (default 20000; needs `make install` first)
# BENCH_PG overrides the PostgreSQL database URL (it is dropped and re-created).
set -e
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PEOPLE=${1:-20000}
# What BENCHMARKS.md records with each figure: when, and how busy the machine was.
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load average: $(cut -d' ' -f1-3 /proc/loadavg); nproc: $(nproc)"

SQLITE=/tmp/ptdv_import_bench.sqlite3
rm -f "$SQLITE"
DATABASE_URL="sqlite:///$SQLITE" $PY manage.py migrate -v0
DATABASE_URL="sqlite:///$SQLITE" $PY manage.py bench_import --people "$PEOPLE"
rm -f "$SQLITE"

PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432/ptdv_issue5_bench}
NAME=${PG##*/}
psql "${PG%/*}/postgres" -q -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME"
DATABASE_URL="$PG" $PY manage.py migrate -v0
DATABASE_URL="$PG" $PY manage.py bench_import --people "$PEOPLE"

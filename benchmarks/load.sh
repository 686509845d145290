#!/usr/bin/env bash
# The load test: gunicorn (2 workers, production settings) and one task worker (db_worker) on PostgreSQL, locust headless with 20
# logged-in users (and one more who imports a workbook) for 60 s on 127.0.0.1, then a check that
# every POST's record (and every imported person) is in the database.
# Starts and stops everything itself.  Usage (after `seed_demo --scale large` on that database):
#   LOAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ptdv_large benchmarks/load.sh
# Options through the environment: LOAD_PORT (8019), LOAD_USERS (20), LOAD_SECONDS (60).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT=${LOAD_PORT:-8019}
USERS=${LOAD_USERS:-20}
SECONDS_TO_RUN=${LOAD_SECONDS:-60}
export LOAD_SECONDS=$SECONDS_TO_RUN
export DATABASE_URL=${LOAD_DATABASE_URL:?set LOAD_DATABASE_URL=postgres://... (a database seeded with seed_demo --scale large)}
export DJANGO_DEBUG=false DJANGO_SECRET_KEY=load-test-only-not-a-secret DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_SSL_REDIRECT=false  # plain HTTP on 127.0.0.1: no TLS proxy in front of gunicorn here
# The users sign in with a password alone: production asks staff and leadership for a second step
# (config/settings.py), which would send every page of theirs to the two-factor setup. Sign-in is
# not what is measured (statistics start once everyone is in).
export DJANGO_TWO_FACTOR_ROLES=""
WORK=$(mktemp -d /tmp/ptdv-load.XXXXXX)
export LOAD_ACCOUNTS=$WORK/accounts.json LOAD_POSTS=$WORK/posts.json LOAD_JOBS=$WORK/jobs.json LOAD_TIMELINE=$WORK/timeline.tsv LOAD_RUN=$(date +%H%M%S)

GUNICORN_PID=
WORKER_PID=
stop() {
    for pid in $GUNICORN_PID $WORKER_PID; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"; wait "$pid" 2>/dev/null || true
        fi
    done
}
trap stop EXIT

$PY manage.py collectstatic --noinput -v0
$PY manage.py shell -c "from benchmarks.loadtest import prepare; prepare('$LOAD_ACCOUNTS')"

# Sync workers, as in the README. (gthread with 4 threads was tried: it reset idle keep-alive
# connections under this load, 9 errors in 456 requests, and was no faster on 2 busy cores.)
.venv/bin/gunicorn config.wsgi --workers 2 --bind "127.0.0.1:$PORT" --timeout 60 \
    --log-level warning --error-logfile "$WORK/gunicorn.log" &
GUNICORN_PID=$!
# One task worker beside them, as in production: it runs the jobs (the import's check and write, the
# province's return), which the pages only queue and follow.
$PY manage.py db_worker --no-reload --interval 0.5 >"$WORK/worker.log" 2>&1 &
WORKER_PID=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/dang-nhap/" && break
    sleep 0.2
done

# Each user logs in once at the start; statistics are reset when all are in (see locustfile.py), and
# the run stops LOAD_SECONDS after that (--run-time is only the upper bound). One user more than
# LOAD_USERS: the one who imports.
.venv/bin/locust -f benchmarks/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
    --users "$((USERS + 1))" --spawn-rate "$((USERS + 1))" --run-time "$((SECONDS_TO_RUN + 60))s" --stop-timeout 30 \
    --csv "$WORK/locust" --only-summary --loglevel WARNING || true
stop

echo
echo "== Load: $USERS users + 1 importing, ${SECONDS_TO_RUN}s, gunicorn 2 sync workers + 1 task worker, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
$PY - "$WORK/locust_stats.csv" "$LOAD_JOBS" <<'EOF'
import csv, json, os, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'request':<36} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}  (ms)")
for row in rows:
    print(f"{(row['Name'] or row['Type'])[:36]:<36} {row['Request Count']:>6} {row['Failure Count']:>5} "
          f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6} {float(row['Max Response Time']):>7.0f}")
total = next(row for row in rows if row["Name"] == "Aggregated")
status = (
    "met"
    if float(total["95%"]) <= 200 and float(total["99%"]) <= 500 and total["Failure Count"] == "0"
    else "NOT met"
)
print(f"All requests: p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
      f"{total['Failure Count']} errors in {total['Request Count']}")
print(f"Target p95 ≤ 200 ms, p99 ≤ 500 ms and zero errors: {status}")
jobs = json.load(open(sys.argv[2])) if os.path.exists(sys.argv[2]) else {}
for name, seconds in jobs.items():
    if seconds:
        print(f"{name}, from the click to the {'file' if 'return' in name else 'end'}: {len(seconds)} done, "
              f"median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s")
    else:
        print(f"{name}: none done in the run")
EOF
$PY manage.py shell -c "from benchmarks.loadtest import check; check('$LOAD_POSTS')"
echo "Raw results in $WORK"

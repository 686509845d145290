"""Backup and restore of the whole database: the command pair behind `manage.py backup` / `restore`.

PostgreSQL: `pg_dump -Fc` and `pg_restore --clean`, the server's own tools (everything, schema included,
one consistent snapshot). SQLite (or `--format json` anywhere): `dumpdata` / `loaddata` with natural keys
for the content types and permissions that every database numbers its own way. The unit tree is stored
as its materialised paths, so it comes back as it was without being rebuilt.
"""

import os
import shutil
import subprocess

from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils.translation import gettext as _

# Rebuilt by `migrate` in every database (and so left out): content types, permissions; sessions and
# the lock-out counters are short-lived and not worth restoring.
JSON_EXCLUDE = ["contenttypes", "auth.permission", "sessions", "axes"]


def is_postgresql():
    return connection.vendor == "postgresql"


def _pg_args_and_env():
    db = connection.settings_dict
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(tool, args, env):
    if shutil.which(tool) is None:
        raise CommandError(_("Không tìm thấy lệnh %(tool)s (gói postgresql-client).") % {"tool": tool})
    result = subprocess.run([tool, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(_("%(tool)s báo lỗi: %(error)s") % {"tool": tool, "error": result.stderr.strip()})


def backup(path, *, fmt):
    """Write the whole database to `path`: fmt "pg" (pg_dump custom format) or "json" (dumpdata)."""
    if fmt == "pg":
        if not is_postgresql():
            raise CommandError(_("Định dạng pg chỉ dùng với PostgreSQL; với SQLite dùng --format json."))
        args, env = _pg_args_and_env()
        _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", str(path), *args], env)
    else:
        call_command(
            "dumpdata",
            "--natural-foreign",
            *[f"--exclude={name}" for name in JSON_EXCLUDE],
            "--output",
            str(path),
            verbosity=0,
        )


def restore(path):
    """Replace the whole database with the copy at `path` (format told by its name)."""
    name = str(path)
    if not os.path.exists(name):
        raise CommandError(_("Không có tệp %(path)s.") % {"path": name})
    if name.endswith(".dump"):
        if not is_postgresql():
            raise CommandError(_("Bản sao .dump (pg_dump) chỉ khôi phục vào PostgreSQL."))
        args, env = _pg_args_and_env()
        connection.close()  # pg_restore --clean drops the tables: no open transaction of ours on them
        _run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                name,
            ],
            env,
        )
    else:
        # Empty every table (migrate's content types and permissions come back at once), then load.
        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", name, verbosity=0)

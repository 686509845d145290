"""Settings for the recruitment tracker.

One module, driven by the environment, so that development, tests and production differ only in
variables (see README "Production"): DATABASE_URL, DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS.
"""

import datetime
import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


# Development defaults; production must set DJANGO_SECRET_KEY: with DEBUG off the app refuses to
# start without one, rather than sign sessions and password-reset links with a key published here.
DEBUG = env_bool("DJANGO_DEBUG", True)
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: with DJANGO_DEBUG=false the app will not run on the built-in "
            'development key. Set DJANGO_SECRET_KEY to a long random value (see README "Production"), e.g. '
            "python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'"
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is the built-in development key: set a secret one for production.")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "treebeard",
    "django_tables2",
    "django_filters",
    "axes",
    "simple_history",
    # Two-factor sign-in: TOTP apps on a phone, and one-time recovery codes (units/twofactor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "units",
    "recruitment",
    "reports",
    "dashboard",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (nothing from another host) and Permissions-Policy on every response.
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Member files are classified: every page needs a login unless a view opts out explicitly.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session left idle longer than SESSION_IDLE_TIMEOUT (units/sessions.py).
    "units.sessions.IdleTimeoutMiddleware",
    # Roles in TWO_FACTOR_REQUIRED_ROLES reach no page before two-factor sign-in (units/twofactor.py).
    "units.twofactor.TwoFactorMiddleware",
    # An account given a password by staff (new, or reset) changes it before any other page.
    "units.middleware.PasswordChangeRequiredMiddleware",
    # Audit history: who made a change (simple_history reads the request's user).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default so a new user needs no server; PostgreSQL in production via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several staff save at once at the end of a quarter; wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "units.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes first: a locked-out account is refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "units.backends.UnitModelBackend",  # ModelBackend that reads the account's unit with it
]
# Five failed logins for one account from one address lock that account at that address for 30 minutes;
# a successful login clears the count. Failures are kept in the database. Unlock early:
# `manage.py axes_reset_username NAME`.
#
# By account AND address, not by account alone: locked by account alone, anyone who knows a user name
# could keep that person out of the app from anywhere, and five typos by one of the staff of a party
# office (who share one address behind its router) would lock that account in every other office too.
# Not by address alone either: that would lock out a whole office for one person's typos. The price is
# that a guesser gets five tries per address per 30 minutes; the password rules (below) make that slow.
# The address is REMOTE_ADDR (django-ipware is not installed, so X-Forwarded-For, which a client can
# forge, is never read): behind a reverse proxy every login comes from the proxy's address, and the
# lock is then per account, as strict as before.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_LOCKOUT_MINUTES", 30)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Attempts during a lock-out (a wrong password, or even the right one) are refused but do not restart
# the 30 minutes: axes' default would let one request every half hour keep an account locked for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.locked_out"
AXES_VERBOSE = False
# A wrong two-factor code counts as a failed login (units/twofactor_views.py); never keep the code typed.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]  # axes' own two, and the code

# Two-factor sign-in (TOTP, with recovery codes) is required for these roles ("superuser" names superusers)
# and offered to every other account. Off by default under DEBUG, so `make demo` and the tests sign in with a
# password alone; on for staff, leadership and superusers in production unless DJANGO_TWO_FACTOR_ROLES says
# otherwise (e.g. DJANGO_TWO_FACTOR_ROLES=staff,leadership make demo to try it; "" to switch it off).
TWO_FACTOR_REQUIRED_ROLES = [
    role.strip()
    for role in os.environ.get("DJANGO_TWO_FACTOR_ROLES", "" if DEBUG else "staff,leadership,superuser").split(",")
    if role.strip()
]
OTP_TOTP_ISSUER = "PTDV"  # the name the authenticator app shows beside the account
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's key (it is the second factor)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English through the language switch. Source strings are Vietnamese, so the
# default interface never depends on a catalogue; locale/en holds the English translation.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
# dd/mm/yyyy and 6.311 / 100,2 in both languages: the users' conventions, not the language's.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development and tests static files come from the finders; collectstatic fills STATIC_ROOT in production.
WHITENOISE_USE_FINDERS = DEBUG
warnings.filterwarnings("ignore", message="No directory at")

# Long work off the request (imports, large returns): Django's tasks framework (django.tasks in
# Django 6; the django-tasks backport here) with the database backend, so jobs live in the same
# database and any number of `manage.py db_worker` processes run them. A Redis/RQ or Celery
# backend (django-tasks-rq, django-tasks-celery) is a change of this setting only.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Uploads wait here until confirmed or cancelled; built returns are kept here (workers on other
# machines need this folder shared with the web servers).
IMPORT_FILE_DIR = Path(os.environ.get("DJANGO_IMPORT_FILE_DIR", BASE_DIR / "media" / "imports"))
REPORT_FILE_DIR = Path(os.environ.get("DJANGO_REPORT_FILE_DIR", BASE_DIR / "media" / "reports"))
CANDIDATE_EXPORT_DIR = Path(os.environ.get("DJANGO_CANDIDATE_EXPORT_DIR", BASE_DIR / "media" / "exports"))
# A job with no sign of life (progress) for this long, in seconds, is taken for dead and failed; one
# whose worker process on this machine is gone is failed at once. Above the longest import's write.
JOB_STALE_AFTER = int(os.environ.get("DJANGO_JOB_STALE_AFTER", 15 * 60))
# An export of a unit with at least this many units in its subtree is built by a worker.
REPORT_JOB_MIN_UNITS = int(os.environ.get("DJANGO_REPORT_JOB_MIN_UNITS", 200))
# A list of people this long or longer is exported by a worker (a province's: 150,000 rows, seconds).
CANDIDATE_EXPORT_JOB_MIN_ROWS = int(os.environ.get("DJANGO_CANDIDATE_EXPORT_JOB_MIN_ROWS", 5000))
# Housekeeping (a job that schedules itself again): uploads never confirmed and built returns are
# deleted after these many hours (lists of people after theirs); it runs every HOUSEKEEPING_EVERY minutes.
UPLOAD_MAX_AGE_HOURS = int(os.environ.get("DJANGO_UPLOAD_MAX_AGE_HOURS", 24))
REPORT_FILE_MAX_AGE_HOURS = int(os.environ.get("DJANGO_REPORT_FILE_MAX_AGE_HOURS", 7 * 24))
# A list of people may carry full citizen IDs: kept for a day, for its author only.
CANDIDATE_EXPORT_MAX_AGE_HOURS = int(os.environ.get("DJANGO_CANDIDATE_EXPORT_MAX_AGE_HOURS", 24))
HOUSEKEEPING_EVERY_MINUTES = int(os.environ.get("DJANGO_HOUSEKEEPING_EVERY_MINUTES", 60))

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Production hardening: on whenever DEBUG is off (see README "Production"; `check --deploy` passes).
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", 8 * 3600))  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A session left idle this long ends (units/sessions.py), as well as at browser close and after SESSION_COOKIE_AGE.
SESSION_IDLE_TIMEOUT = int(os.environ.get("DJANGO_SESSION_IDLE_MINUTES", 30)) * 60  # seconds
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

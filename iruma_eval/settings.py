"""Settings for the Iruma strategy evaluation system.

Everything that differs between a developer's laptop and the city's server comes from the
environment; the defaults run a development copy on SQLite with no configuration at all.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting; refuse anything that is not clearly one or the other."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DEBUG を無効にするときは SECRET_KEY を環境変数で設定してください（README の Deployment を参照）。")
    SECRET_KEY = "development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "projects.apps.AxesConfig",  # django-axes, under a Japanese heading
    "csp",
    "projects",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "projects.middleware.ContentSecurityPolicyMiddleware",
    "reviews.public.middleware.PublicPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "projects.middleware.PasswordChangeRequiredMiddleware",
    "projects.middleware.StripUnsafeCharactersMiddleware",
    "projects.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked sign-in into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iruma_eval.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reviews.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "iruma_eval.wsgi.application"

# SQLite by default (a file in the project folder, git-ignored); PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Parameters bound on the server, and a query PostgreSQL has seen five times on a connection
    # is kept parsed and planned there: an entry page's questions cost the server about 2.5 ms of
    # CPU instead of 7-10 (scripts/load_test.py). Off (DATABASE_PREPARED_STATEMENTS=false) behind
    # a pooler in transaction mode, which cannot keep a connection's prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # select_for_update() is a no-op on SQLite: take the write lock when a transaction starts,
    # so that two workflow transitions can never interleave.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
FORMAT_MODULE_PATH = ["iruma_eval.formats"]  # the admin's dates with a space before the time
LANGUAGES = [("ja", "日本語")]
# Our translations of what the libraries leave in English (compiled .mo committed: no gettext needed).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where uploaded files wait and are kept (reviews.sheets.storage): sheets previewed and not yet
# confirmed, kept sheets, and the admin's flat imports between their two steps. "database" (the
# default) keeps them in the database, so app servers share nothing but it; "files" keeps them under
# MEDIA_ROOT, which every app server must then share.
UPLOAD_STORAGE = os.environ.get("UPLOAD_STORAGE", "").strip().lower() or "database"
UPLOAD_STORAGE_BACKENDS = {
    "database": "reviews.sheets.storage.DatabaseStorage",
    "files": "django.core.files.storage.FileSystemStorage",
}
if UPLOAD_STORAGE not in UPLOAD_STORAGE_BACKENDS:
    raise ImproperlyConfigured(f"UPLOAD_STORAGE must be database or files, not {UPLOAD_STORAGE!r}")
STORAGES = {
    "default": {"BACKEND": UPLOAD_STORAGE_BACKENDS[UPLOAD_STORAGE]},
    "staticfiles": {
        # The manifest needs collectstatic, which development and tests do not run.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "iruma_eval.errors.csrf_failure"
LOGIN_REDIRECT_URL = "reviews:home"
LOGOUT_REDIRECT_URL = "login"

# HTTPS. A plain-HTTP intranet cannot use secure cookies or redirects (nobody could log in), so
# each is configurable; the README's production section lists the values for an HTTPS deployment.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Off by default: they reach every host of the city's domain, and preloading is near irreversible.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The reverse proxy ends TLS and says so in this header (only when BEHIND_HTTPS_PROXY is set, since
# a client could send the header itself to a server that faces it directly).
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    "security.W005",  # SECURE_HSTS_INCLUDE_SUBDOMAINS off on purpose (see above)
    "security.W021",  # SECURE_HSTS_PRELOAD off on purpose (see above)
]

# Each application server's own memory: nothing here needs sharing between servers. The public
# pages are kept in their own alias, up to five minutes (the Cache-Control max-age the city's
# proxy gets) and dropped at once when something they show changes (reviews/public/cache.py).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "public": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-pages",
        "TIMEOUT": 300,
        # Pages of at most some 150 KB, and the open data files of 1 MB or less: about 100 MB a worker when full.
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# Sessions end when the browser closes and after SESSION_IDLE_HOURS without a request. The idle
# limit needs the session's expiry moved as people work: saved on every request, and our store
# writes it when it changed or at most once a minute (projects/sessions.py).
SESSION_ENGINE = "projects.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_HOURS", 4) * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True

# Sign-in throttling (django-axes): 10 wrong passwords in a row lock that login from that address
# for 15 minutes; never the address alone, since a whole department sits behind one proxy. An
# administrator unlocks it in the admin (アクセスの試行: delete the row).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "projects.signin.StaffBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "projects.signin.client_ip"
AXES_LOCKOUT_CALLABLE = "projects.signin.locked_out"
# The city's reverse proxies, whose X-Forwarded-For is believed (comma-separated addresses).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Uploaded sheets are measured before they are parsed (reviews.sheets.workbook.reader.Limits):
# rows and columns that hold values, and the uncompressed size of each part of the file.
SHEET_MAX_ROWS = env_int("SHEET_MAX_ROWS", 20_000)
SHEET_MAX_COLUMNS = env_int("SHEET_MAX_COLUMNS", 100)
SHEET_MAX_PART_MB = env_int("SHEET_MAX_PART_MB", 64)

# Content-Security-Policy (django-csp): the app's pages load only our own files, with no inline
# script or style; projects.middleware.ContentSecurityPolicyMiddleware widens it for /admin/ only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Email: the console in development; the city's SMTP server from the environment in production.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jisshi-hyoka@city.iruma.example")
# Links in emails point here (the address people use to reach the system).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Only administrators (superusers) may import flat spreadsheets through the admin; see
# projects.admin.AdministratorImportMixin, which decides this in one place.
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# The flat import's file waits between its two steps in the default storage (UPLOAD_STORAGE), not
# in one server's /tmp, so that the confirmation may reach another app server.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "reviews.sheets.storage.FlatImportStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own messages reach the console through the root's handler only: Django gives its
    # logger a console handler of its own (with DEBUG on), and every message then printed twice.
    # This also drops Django's mail_admins handler: ADMINS is not set; set both together if wanted.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # django-axes announces itself at every start, so in every cron mail of every command.
        "axes.apps": {"level": "WARNING"},
    },
}

# The public side (reviews/public/) and its open data: the licence every dataset is published
# under, named on the column page and in each JSON file.
OPEN_DATA_LICENCE_NAME = os.environ.get("OPEN_DATA_LICENCE_NAME", "公共データ利用規約（第1.0版）")
OPEN_DATA_LICENCE_URL = os.environ.get(
    "OPEN_DATA_LICENCE_URL", "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
)
OPEN_DATA_LICENCE_NOTE = os.environ.get(
    "OPEN_DATA_LICENCE_NOTE", "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）と互換性があります。"
)
# The one URL prefix the public side lives under; a city exposes only it and STATIC_URL.
PUBLIC_PREFIX = "/public/"

# Entries, opinions and answers change only through their workflows; the admin's history pages
# show old versions and never revert to them (reviews.admin.ReadOnlyAdminMixin refuses the POST).
SIMPLE_HISTORY_REVERT_DISABLED = True

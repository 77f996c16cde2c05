"""Django settings. Everything that differs between installs comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PRORATA_VAR_DIR", Path.cwd() / "var"))

DEBUG = os.environ.get("PRORATA_DEBUG", "") == "1"
# Files this process creates (the secret key, the SQLite database, kept mail, backups) are
# readable by its own user only.
os.umask(0o077)
# A development key is generated per install and kept under var/; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    try:
        SECRET_KEY = _key_file.read_text().strip()
    except FileNotFoundError:
        import secrets

        SECRET_KEY = secrets.token_urlsafe(50)
        try:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            _fd = os.open(_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(_fd, "w") as _out:
                _out.write(SECRET_KEY)
        except OSError:
            pass
    try:  # a key file made before this rule: no longer readable by others
        if _key_file.exists() and _key_file.stat().st_mode & 0o077:
            _key_file.chmod(0o600)
    except OSError:
        pass

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django-ninja's own static Swagger UI, so /api/v1/docs loads nothing from the internet.
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "prorata.i18n",
    "prorata.web",
    "prorata.catalog",
    "prorata.tenants",
    "prorata.subscriptions",
    "prorata.licenses",
    "prorata.billing",
    "prorata.payments",
    "prorata.support",
    "prorata.audit",
    "prorata.webhooks",
    "prorata.notifications",
    "prorata.platform",
    "prorata.console",
]

MIDDLEWARE = [
    # The request id and the context of every log line (prorata.platform.logs).
    "prorata.platform.logs.RequestContext",
    # Request counts and latency for /metrics (prorata.platform.metrics).
    "prorata.platform.metrics.RequestMetricsMiddleware",
    # /healthz, /readyz and /metrics, before the HTTPS redirect and anything that needs the database.
    "prorata.platform.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # NUL characters cannot be stored by PostgreSQL: refused before any view (prorata/middleware.py).
    "prorata.middleware.RejectNulMiddleware",
    # API bodies too large, too deep or with text no database stores: refused with a code.
    "prorata.platform.input_guard.ApiInputGuardMiddleware",
    # Static files under gunicorn, with no separate web server in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response (prorata/middleware.py).
    "prorata.middleware.ContentSecurityPolicyMiddleware",
    # The signed-in person's actor, tenant, language and time zone for the admin center.
    "prorata.web.middleware.AdminCenterMiddleware",
    # Rate limits and idempotency keys of /api/v1/ (SPEC §9).
    "prorata.platform.middleware.ApiGuardMiddleware",
]

ROOT_URLCONF = "prorata.urls"
WSGI_APPLICATION = "prorata.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

_default_db = f"sqlite:///{VAR_DIR / 'prorata.sqlite3'}"
# Connections persist across requests (60 s) and are checked before reuse: a new connection per
# request would cost more than the license check itself, and its prepared statement with it.
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60,
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers serialise
    # instead of failing with "database is locked" half-way; WAL lets readers run beside them.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    for _suffix in ("", "-wal", "-shm"):  # a database made before the umask rule: owner-only now
        _db_file = Path(str(DATABASES["default"]["NAME"]) + _suffix)
        try:
            if _db_file.exists() and _db_file.stat().st_mode & 0o077:
                _db_file.chmod(0o600)
        except OSError:
            pass
else:
    # Django's backend without the `_like` pattern indexes nothing here reads (see its docstring).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "prorata.platform.postgresql"
    # Each test run gets its own database, so that several runs can share one server.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("PRORATA_TEST_DB", f"test_prorata_{os.getpid()}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenants.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Messages in the session, not in a cookie the browser (and anything reading it) can see.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_FAILURE_VIEW = "prorata.web.errors.csrf_failure"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS: list[str] = []
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves the apps' static files straight from their packages (the finders), so
# `prorata run` needs no collectstatic step and a wheel install serves the same files.
# `collectstatic` into STATIC_ROOT still works for installs that put a CDN or proxy in front.
WHITENOISE_USE_FINDERS = True
try:  # WhiteNoise also serves STATIC_ROOT and warns when it is missing; an empty one is harmless.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "billing", "webhooks", "notifications"],
    }
}

# E-mail (billing notices, password resets): Django's e-mail framework. `EMAIL_URL` (dj-email-url:
# smtp://user:pass@host:587/?tls=True, smtps://…, console://) or the usual EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL (EMAIL_HOST chooses SMTP).
# Without either, messages are printed on the console (`make run`). A provider's HTTP API through
# django-anymail: install it and set EMAIL_BACKEND (docs/notifications.md).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("EMAIL_URL"):
    import dj_email_url

    _email = dj_email_url.parse(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
    EMAIL_PORT = int(_email["EMAIL_PORT"] or 25)
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
    EMAIL_USE_TLS = bool(_email["EMAIL_USE_TLS"])
    EMAIL_USE_SSL = bool(_email["EMAIL_USE_SSL"])
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") in ("1", "true", "True")
    EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") in ("1", "true", "True")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
# django-anymail's settings from ANYMAIL_* variables (ANYMAIL_POSTMARK_SERVER_TOKEN → ANYMAIL["POSTMARK_SERVER_TOKEN"]).
ANYMAIL = {k.removeprefix("ANYMAIL_"): v for k, v in os.environ.items() if k.startswith("ANYMAIL_")}
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "prorata@localhost")
# Where links in e-mails point (the admin center's address as customers reach it).
PRORATA_PUBLIC_URL = os.environ.get("PRORATA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Production sets PRORATA_SECURE=1: HTTPS only, and SECRET_KEY must come from the environment.
# Behind a TLS-terminating proxy (the usual install) the proxy's X-Forwarded-Proto tells whether
# the client used HTTPS; with TLS ending at the server itself, PRORATA_TLS_PROXY=0 stops trusting
# that header (a client could otherwise set it).
if os.environ.get("PRORATA_SECURE") == "1":
    if not os.environ.get("SECRET_KEY"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("PRORATA_SECURE=1 needs SECRET_KEY in the environment.")
    if os.environ.get("PRORATA_TLS_PROXY", "1") == "1":
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # `testserver` is the host name of Django's test client, never of a real install.
    ALLOWED_HOSTS = [h for h in ALLOWED_HOSTS if h != "testserver"]
    # E-mail not configured: messages (password-reset links among them) are never printed where a
    # log collector reads them; each is a file, readable by the owner only (umask above), in
    # EMAIL_FILE_PATH until an SMTP server or a provider is set.
    if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend" and "EMAIL_BACKEND" not in os.environ:
        EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

# JSON lines with the request id, tenant and actor of each line, redacted (prorata.platform.logs);
# PRORATA_LOG_FORMAT=text gives plain, equally redacted lines for a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "prorata.platform.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "prorata.platform.logs.JsonFormatter"},
        "text": {"()": "prorata.platform.logs.TextFormatter", "format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler", "filters": ["context"],
            "formatter": "text" if os.environ.get("PRORATA_LOG_FORMAT") == "text" else "json",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("PRORATA_LOG_LEVEL", "WARNING")},
    # Django's own request logger would otherwise be the one without our handler's filter.
    "loggers": {"django": {"handlers": ["console"], "level": os.environ.get("PRORATA_LOG_LEVEL", "WARNING"), "propagate": False}},
}

# How long the process that recorded a call to the payment processor owns it (seconds) before
# reconciliation may ask the processor what became of it; longer than the processor's timeout.
PRORATA_PAYMENT_LEASE_SECONDS = float(os.environ.get("PRORATA_PAYMENT_LEASE_SECONDS", "120"))
# The payment processor: "sandbox" (test cards, no network) or "stripe".
PRORATA_GATEWAY = os.environ.get("PRORATA_GATEWAY", "sandbox")
# Stripe (PRORATA_GATEWAY=stripe): the account's keys, the webhook endpoint's signing secret, and
# the API's address (Stripe's own unless set; the tests point it at a local server).
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
# Where the browser loads Stripe.js from (Stripe's own unless set).
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")

# The largest request body accepted (bytes); Django's own form limit stays at its 2.5 MB default.
PRORATA_MAX_BODY_BYTES = int(os.environ.get("PRORATA_MAX_BODY_BYTES", str(1024 * 1024)))

# The API's rate limit per key: this many requests per window (seconds, default 1); 0 turns it off.
# Every process takes requests from the shared counter in leases (prorata.platform.ratelimit).
PRORATA_RATE_LIMIT = int(os.environ.get("PRORATA_RATE_LIMIT", "100"))
PRORATA_RATE_LIMIT_WINDOW = int(os.environ.get("PRORATA_RATE_LIMIT_WINDOW", "1"))
# How long a verified API key is trusted from memory (seconds): the time a revocation takes to
# reach every process. 0 looks every key up on every request.
PRORATA_API_KEY_CACHE_SECONDS = float(os.environ.get("PRORATA_API_KEY_CACHE_SECONDS", "5"))
# Requests without a valid API key (none, or a wrong one) per client address: this many per window (s).
PRORATA_ANONYMOUS_RATE_LIMIT = int(os.environ.get("PRORATA_ANONYMOUS_RATE_LIMIT", "60"))
PRORATA_ANONYMOUS_RATE_LIMIT_WINDOW = int(os.environ.get("PRORATA_ANONYMOUS_RATE_LIMIT_WINDOW", "60"))

# Webhook delivery (prorata.webhooks.transport). The deadline covers a whole request, seconds.
PRORATA_WEBHOOK_TIMEOUT = float(os.environ.get("PRORATA_WEBHOOK_TIMEOUT", "10"))
# Webhook task loops per worker process, beside the loop that runs billing and the other queues.
PRORATA_WEBHOOK_WORKERS = int(os.environ.get("PRORATA_WEBHOOK_WORKERS", "4"))
# Deliveries sent at once by one webhook task: a slow receiver holds one of them.
PRORATA_WEBHOOK_CONCURRENCY = int(os.environ.get("PRORATA_WEBHOOK_CONCURRENCY", "8"))
# Receivers must be https:// on public addresses. Development may allow http://, and an
# on-premises install may list the private networks its receivers live on (CIDR, comma separated).
PRORATA_WEBHOOK_ALLOW_HTTP = os.environ.get("PRORATA_WEBHOOK_ALLOW_HTTP", "") == "1"
PRORATA_WEBHOOK_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get("PRORATA_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if n.strip()
]

# /readyz is not ready when no worker has written its heartbeat for this long (seconds).
PRORATA_WORKER_STALE_SECONDS = float(os.environ.get("PRORATA_WORKER_STALE_SECONDS", "60"))
# When set, /metrics asks for "Authorization: Bearer <token>".
PRORATA_METRICS_TOKEN = os.environ.get("PRORATA_METRICS_TOKEN", "")

# bench/api_load.py's floor: a view answering constant JSON at /bench/bare. Off in production.
PRORATA_BENCH_BASELINE = os.environ.get("PRORATA_BENCH_BASELINE", "") == "1"
# Signed license tokens (POST /api/v1/licenses/token): how long one states its answer, seconds.
# It is also how stale the vendor's offline check may be after a license is removed.
PRORATA_LICENSE_TOKEN_TTL = int(os.environ.get("PRORATA_LICENSE_TOKEN_TTL", "3600"))
# The license check and the cancellation decision run prepared statements on PostgreSQL; 0 for a
# connection pooler in transaction mode that cannot keep them (docs/operations.md).
PRORATA_PREPARED_STATEMENTS = os.environ.get("PRORATA_PREPARED_STATEMENTS", "1") != "0"
# The seller printed at the top of every invoice (the vendor running this install). The address
# takes "\n" between its lines. PRORATA_CJK_FONT: a TrueType font (.ttf or .ttc) with Chinese
# glyphs, embedded (subset) in Chinese invoice PDFs; by default Debian's fonts-wqy-microhei.
PRORATA_SELLER_NAME = os.environ.get("PRORATA_SELLER_NAME", "Prorata")
PRORATA_SELLER_ADDRESS = os.environ.get("PRORATA_SELLER_ADDRESS", "").replace("\\n", "\n")
PRORATA_SELLER_TAX_ID = os.environ.get("PRORATA_SELLER_TAX_ID", "")
PRORATA_SELLER_EMAIL = os.environ.get("PRORATA_SELLER_EMAIL", "")
PRORATA_CJK_FONT = os.environ.get("PRORATA_CJK_FONT", "")

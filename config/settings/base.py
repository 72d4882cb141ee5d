"""Settings shared by every environment; each value that varies comes from the environment."""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The placeholder is refused by production settings; local and test settings accept it.
DEFAULT_SECRET_KEY = "waymark-insecure-development-key-change-me"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
SECRET_KEY_FALLBACKS: list[str] = env.list("SECRET_KEY_FALLBACKS", default=[])
# Encrypted fields derive their keys from SECRET_KEY (and its fallbacks) x SALT_KEY.
# The first salt encrypts; later ones only decrypt, so rotation prepends a new salt.
SALT_KEY: list[str] = env.list("SALT_KEY", default=["waymark-development-salt"])

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "waymark.core",
    "waymark.accounts",
    "waymark.audit",
    "waymark.api",
    "waymark.jobs",
    "waymark.referrals",
    "waymark.cases",
    "waymark.risk",
    "waymark.returns",
    "waymark.crime",
    "waymark.victims_code",
    "waymark.funding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "waymark.accounts.middleware.RequireMFAMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "waymark.core.middleware.NoStoreMiddleware",
    "waymark.api.middleware.RefuseNulInApiRequests",
    # Last, so that a locked-out attempt is answered whatever ran before it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "waymark" / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "waymark.core.jinja.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "waymark.core.context_processors.navigation",
            ],
        },
    },
    {
        # Django admin and third-party pages without a Jinja template of ours.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite (`make run`) is shared by the web server's threads and the task worker. WAL lets them
# read while one writes. Every request is a transaction (ATOMIC_REQUESTS) that may end by
# writing (the access log); begun DEFERRED, it would read, and then fail with "database is
# locked" at once if another connection had committed meanwhile, so it is begun IMMEDIATE:
# it waits, up to `timeout` seconds, for the one write lock before it reads.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
}
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'waymark.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DATABASE_JIT_OFF", True):
    # PostgreSQL's JIT compiles the dashboards' queries (many EXISTS subplans, high estimated
    # cost) for longer than they then run: off, the RASSO page's figures take a third less
    # time over a million crimes (docs/benchmarks.md). Behind a pooler that will
    # not pass `options` on, set DATABASE_JIT_OFF=false and turn JIT off on the server.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# allauth: staff accounts are created by an OPCC admin, never by sign-up.
ACCOUNT_ADAPTER = "waymark.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# django-axes is the account lockout (it keeps records a DPO can inspect); allauth's own
# failed-login limit stays as a wider net against one address trying many accounts.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/5m/ip,10/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Waymark"
# Accept the code of the 30-second step before or after, for phones whose clocks drift.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "waymark.accounts.adapters.MFAAdapter"

# Axes: lock an account and address pair after repeated failures; a DPO can see the records.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "waymark.accounts.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"

# Idle timeout: the session cookie's age is renewed on every request, so it ends after
# this many minutes without activity.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "waymark" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Content Security Policy: nothing from anywhere but us; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Map tiles under the hexagon maps (waymark/core/hexmap.py): a URL template such as
# https://tile.openstreetmap.org/{z}/{x}/{y}.png. Empty (the default): no tiles, the hexagons
# draw on a plain background and the browser fetches nothing from anyone else. A tile provider
# must be credited: set its attribution text (OpenStreetMap: "© OpenStreetMap contributors")
# and the page it links to (https://www.openstreetmap.org/copyright). docs/charts-and-maps.md.
WAYMARK_MAP_TILE_URL = env.str("WAYMARK_MAP_TILE_URL", default="")
WAYMARK_MAP_TILE_ATTRIBUTION = env.str("WAYMARK_MAP_TILE_ATTRIBUTION", default="")
WAYMARK_MAP_TILE_ATTRIBUTION_URL = env.str("WAYMARK_MAP_TILE_ATTRIBUTION_URL", default="")


def map_tile_origin(template: str) -> str:
    """The CSP source that lets the browser load tiles from this URL template.

    `https://tile.openstreetmap.org/{z}/{x}/{y}.png` gives `https://tile.openstreetmap.org`;
    Leaflet's subdomain placeholder becomes a wildcard (`https://{s}.tile.example.org/...` gives
    `https://*.tile.example.org`). Anything that is not an https URL with {z}, {x} and {y}, or
    whose host has another placeholder, is refused at start-up.
    """
    parts = urlsplit(template)
    host = parts.netloc
    if parts.scheme != "https" or not host or "@" in host:
        raise ImproperlyConfigured(f"WAYMARK_MAP_TILE_URL must be an https URL template, not {template!r}")
    if not all(placeholder in template for placeholder in ("{z}", "{x}", "{y}")):
        raise ImproperlyConfigured(f"WAYMARK_MAP_TILE_URL must contain {{z}}, {{x}} and {{y}}: {template!r}")
    subdomains = host.startswith("{s}.")
    host = host.removeprefix("{s}.")
    # Only a plain host name (and port) may go into the policy: nothing that could end the source.
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
        raise ImproperlyConfigured(f"WAYMARK_MAP_TILE_URL has a placeholder in its host: {template!r}")
    return f"https://{'*.' if subdomains else ''}{host}"


if WAYMARK_MAP_TILE_URL:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(map_tile_origin(WAYMARK_MAP_TILE_URL))

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SIMPLE_HISTORY_REVERT_DISABLED = True

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
    },
}

# Where the disclosure-control thresholds come from (DESIGN.md: under 5 operational, under 10 published).
DISCLOSURE_THRESHOLD_OPERATIONAL = env.int("DISCLOSURE_THRESHOLD_OPERATIONAL", default=5)
DISCLOSURE_THRESHOLD_PUBLISHED = env.int("DISCLOSURE_THRESHOLD_PUBLISHED", default=10)
# Crime figures (VAWG, RASSO: pages, API, CSV, map) are rounded to the nearest multiple of this,
# so that a figure hidden in one view cannot be worked out exactly by taking one view from another
# (docs/crime-metrics.md, "Rounding"). 1 publishes exact counts. Rounding to 5 is the base
# research/safety-surveys-funding.md §b.5 suggests for published counts; a policy choice.
CRIME_FIGURES_ROUNDING_BASE = env.int("CRIME_FIGURES_ROUNDING_BASE", default=1)

WAYMARK_SERVICE_NAME = "Waymark"
# The police force area whose extract this installation imports (ONS code; West Midlands).
WAYMARK_POLICE_FORCE_AREA = env.str("WAYMARK_POLICE_FORCE_AREA", default="E23000014")
# The 360Giving publisher prefix of grant identifiers (docs/funding-import-export.md); a real
# publisher registers its own with 360Giving.
WAYMARK_360GIVING_PREFIX = env.str("WAYMARK_360GIVING_PREFIX", default="360G-waymark-demo")
# Working days a provider has to acknowledge a Victims' Code complaint (Right 12): the providers'
# own standard; 10 is from an MoJ prototype, unverified (research/victims-code.md §1.2 Right 12).
WAYMARK_COMPLAINT_ACK_WORKING_DAYS = env.int("WAYMARK_COMPLAINT_ACK_WORKING_DAYS", default=10)
# Days a victim's one-time feedback link works (docs/victims-voice.md).
WAYMARK_SURVEY_LINK_DAYS = env.int("WAYMARK_SURVEY_LINK_DAYS", default=28)
# Percent of the straight-line spend profile below which an award's year is flagged as running
# behind (docs/funding-planning.md): 75 flags spend under three quarters of the elapsed share.
WAYMARK_UNDERSPEND_WARNING_PERCENT = env.int("WAYMARK_UNDERSPEND_WARNING_PERCENT", default=75)
# Days after a period ends that a provider's monitoring return falls due (docs/funding-returns.md).
WAYMARK_RETURN_DUE_DAYS = env.int("WAYMARK_RETURN_DUE_DAYS", default=30)
# Roles that must have a second factor before they see anything (every staff role).
WAYMARK_MFA_REQUIRED = env.bool("WAYMARK_MFA_REQUIRED", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # 403s and 404s are answers, not faults; axes logs every sign-in at INFO.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}

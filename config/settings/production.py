"""Production settings: refuses to start unless the deployment is safe to hold victims' data."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEFAULT_SECRET_KEY, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=False)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])


def _refuse_unsafe_configuration() -> None:
    """Stop at start-up, naming the problem, rather than serve victims' data unsafely."""
    problems = []
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY is the development default or shorter than 50 characters")
    if DEBUG:
        problems.append("DEBUG is on")
    if not SECURE_SSL_REDIRECT or SECURE_HSTS_SECONDS < 31536000:
        problems.append("HTTPS is not enforced (SECURE_SSL_REDIRECT and a year of HSTS are required)")
    if SALT_KEY == ["waymark-development-salt"]:  # noqa: F405
        problems.append("SALT_KEY is the development default")
    if problems:
        raise ImproperlyConfigured("Refusing to start: " + "; ".join(problems) + ".")


_refuse_unsafe_configuration()

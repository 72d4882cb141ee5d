"""Exit 0 if the database in DATABASE_URL accepts a connection within a few seconds."""

import os
import sys

import environ


def main() -> int:
    """Try one connection; print why it failed."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return 1
    config = environ.Env.db_url_config(url)
    import psycopg

    try:
        psycopg.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL at {config.get('HOST')}:{config.get('PORT')} does not answer: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

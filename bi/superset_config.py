"""Superset configuration for the BI check (bi/superset_check.py): a throwaway metadata
database ($TIC_SUPERSET_METADATA_URI), no examples, no caches, no outside calls."""

import os

_home = os.environ["TIC_SUPERSET_HOME"]

SECRET_KEY = "tic-superset-check-only"  # a local, temporary instance
# Superset's metadata in PostgreSQL, as in production: with SQLite its migrations leave a
# unique constraint on the bare table name, so a second `holdings` dataset cannot be saved.
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "TIC_SUPERSET_METADATA_URI", f"sqlite:///{_home}/superset.db"
)
WTF_CSRF_ENABLED = False  # the check talks to the REST API with a bearer token
# Superset refuses file-based SQLite connections by default; DuckDB files are allowed.
PREVENT_UNSAFE_DB_CONNECTIONS = False
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FEATURE_FLAGS: dict[str, bool] = {}
TALISMAN_ENABLED = False
SUPERSET_WEBSERVER_TIMEOUT = 120

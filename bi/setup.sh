#!/usr/bin/env bash
# Apache Superset in its own virtualenv, never in the project's lock, for bi/superset_check.py.
# Superset 6.1.0 from PyPI starts only with rich and cachetools added and flask-caching 2.3.1;
# duckdb is pinned to the project's version so that both read the same tic.duckdb format.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${TIC_SUPERSET_VENV:-$HOME/.cache/tic/superset-venv}"
DUCKDB_VERSION="$(uv run --frozen python -c 'import duckdb; print(duckdb.__version__)')"
if [ ! -x "$VENV/bin/superset" ]; then
    uv venv --quiet "$VENV" --python 3.11
fi
uv pip install --quiet --python "$VENV/bin/python" \
    apache-superset==6.1.0 rich cachetools flask-caching==2.3.1 \
    duckdb-engine psycopg2-binary "duckdb==$DUCKDB_VERSION"
echo "Superset ready in $VENV"

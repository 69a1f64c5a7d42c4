"""Apache Superset against the warehouse, through its REST API only.

Starts a throwaway Superset (the virtualenv bi/setup.sh builds, never the project's lock),
registers the PostgreSQL mirror and tic.duckdb (read-only through duckdb_engine), builds a
dataset on ``holdings`` from each, checks that the column descriptions are the warehouse's
comments, saves a "top holders, countries only" bar chart and asks Superset for its data.

    uv run python bi/superset_check.py --data-dir data --postgres-url postgresql://...

Prints what it did and the chart's rows; exits non-zero on the first thing that fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
DEFAULT_VENV = Path(os.environ.get("TIC_SUPERSET_VENV", Path.home() / ".cache/tic/superset-venv"))
ADMIN = {"username": "admin", "password": "admin", "provider": "db", "refresh": True}
TOP_HOLDERS = 10


class SupersetCheckFailed(RuntimeError):
    pass


@dataclass
class Superset:
    """A running Superset: ``api(method, path, json)`` with the admin's token."""

    base_url: str
    session: requests.Session

    def api(self, method: str, path: str, payload: Any = None) -> Any:
        response = self.session.request(method, self.base_url + path, json=payload, timeout=120)
        if response.status_code >= 400:
            raise SupersetCheckFailed(
                f"Superset {method} {path}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return response.json()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_superset(metadata_uri: str, venv: Path = DEFAULT_VENV) -> Iterator[Superset]:
    """Initialise a fresh metadata database (an empty PostgreSQL database), start Superset on
    a free loopback port, stop it on exit."""
    superset = venv / "bin" / "superset"
    if not superset.exists():
        raise FileNotFoundError(f"no Superset at {superset}: run bash bi/setup.sh first")
    with tempfile.TemporaryDirectory(prefix="tic-superset-") as home:
        env = {
            **os.environ,
            "TIC_SUPERSET_HOME": home,
            "SUPERSET_CONFIG_PATH": str(HERE / "superset_config.py"),
            "FLASK_APP": "superset",
            "TIC_SUPERSET_METADATA_URI": metadata_uri,
        }
        log = open(Path(home) / "superset.log", "w")  # noqa: SIM115 (kept open for the server)

        def run(*args: str) -> None:
            subprocess.run([str(superset), *args], env=env, check=True, stdout=log, stderr=log)

        run("db", "upgrade")
        run(
            "fab", "create-admin", "--username", "admin", "--firstname", "tic",
            "--lastname", "check", "--email", "admin@localhost", "--password", "admin",
        )  # fmt: skip
        run("init")
        port = _free_port()
        server = subprocess.Popen(
            [str(superset), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"],
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            yield _login(f"http://127.0.0.1:{port}", server)
        except BaseException:
            log.flush()
            tail = (Path(home) / "superset.log").read_text().splitlines()[-40:]
            print("\n".join(["superset.log, last lines:", *tail]), file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


def _login(base_url: str, server: subprocess.Popen[bytes]) -> Superset:
    session = requests.Session()
    deadline = time.monotonic() + 180
    while True:
        if server.poll() is not None:
            raise SupersetCheckFailed(f"Superset exited with {server.returncode} on start")
        try:
            if session.get(f"{base_url}/health", timeout=5).ok:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise SupersetCheckFailed(f"Superset did not answer at {base_url} within 180 s")
        time.sleep(1)
    token = session.post(f"{base_url}/api/v1/security/login", json=ADMIN, timeout=30).json()
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    return Superset(base_url, session)


def register_database(superset: Superset, name: str, uri: str, extra: dict[str, Any]) -> int:
    payload = {"database_name": name, "sqlalchemy_uri": uri, "extra": json.dumps(extra)}
    superset.api("POST", "/api/v1/database/test_connection/", payload)
    return int(superset.api("POST", "/api/v1/database/", payload)["id"])


def holdings_dataset(superset: Superset, database_id: int, schema: str) -> dict[str, str]:
    """Create the holdings dataset; return its columns' descriptions (from the comments)."""
    created = superset.api(
        "POST",
        "/api/v1/dataset/",
        {"database": database_id, "schema": schema, "table_name": "holdings"},
    )
    dataset = superset.api("GET", f"/api/v1/dataset/{created['id']}")["result"]
    return {"id": created["id"]} | {
        column["column_name"]: column.get("description") or "" for column in dataset["columns"]
    }


def top_holders_chart(superset: Superset, dataset_id: int, period: str) -> list[dict[str, Any]]:
    """Save a bar chart of the biggest holders of Treasuries (countries only) for one month
    and return the rows Superset computes for it."""
    form_data = {
        "viz_type": "echarts_timeseries_bar",
        "datasource": f"{dataset_id}__table",
        "x_axis": "country",
        "metrics": [_sum_metric()],
        "adhoc_filters": _filters(period),
        "row_limit": TOP_HOLDERS,
        "orientation": "horizontal",
        "x_axis_sort": "SUM(usd_millions)",
        "x_axis_sort_asc": False,
    }
    query_context = {
        "datasource": {"id": dataset_id, "type": "table"},
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
        "queries": [
            {
                "columns": ["country"],
                "metrics": [_sum_metric()],
                "filters": [],
                "extras": {"where": _where(period)},
                "orderby": [[_sum_metric(), False]],
                "row_limit": TOP_HOLDERS,
            }
        ],
    }
    chart = superset.api(
        "POST",
        "/api/v1/chart/",
        {
            "slice_name": f"Top holders of Treasuries, countries only, {period}",
            "viz_type": form_data["viz_type"],
            "datasource_id": dataset_id,
            "datasource_type": "table",
            "params": json.dumps(form_data),
            "query_context": json.dumps(query_context),
        },
    )
    data = superset.api("GET", f"/api/v1/chart/{chart['id']}/data/?format=json")
    rows: list[dict[str, Any]] = data["result"][0]["data"]
    return rows


def _sum_metric() -> dict[str, Any]:
    return {
        "expressionType": "SIMPLE",
        "column": {"column_name": "usd_millions"},
        "aggregate": "SUM",
        "label": "SUM(usd_millions)",
    }


def _where(period: str) -> str:
    # countries only: the Grand Total, All Other, regional totals and memo groups are not holders
    return (
        f"period = '{period}' and security = 'treasury' and holder = 'all' "
        "and usd_millions is not null "
        "and country not in ('Grand Total', 'All Countries', 'All Other') "
        "and country not like 'Total %' and country not like 'Memo:%'"
    )


def _filters(period: str) -> list[dict[str, Any]]:
    return [{"expressionType": "SQL", "clause": "WHERE", "sqlExpression": _where(period)}]


def check(
    data_dir: Path, postgres_url: str, period: str, venv: Path = DEFAULT_VENV
) -> dict[str, Any]:
    """Run the whole check; return what Superset showed, per database."""
    database = (data_dir / "tic.duckdb").resolve()
    postgres_uri = postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    targets = {
        "tic (PostgreSQL mirror)": (postgres_uri, {}, "tic"),
        "tic.duckdb": (
            f"duckdb:///{database}",
            {"engine_params": {"connect_args": {"read_only": True}}},
            "main",
        ),
    }
    shown: dict[str, Any] = {}
    with running_superset(_metadata_database(postgres_url), venv) as superset:
        for name, (uri, extra, schema) in targets.items():
            database_id = register_database(superset, name, uri, extra)
            descriptions = holdings_dataset(superset, database_id, schema)
            rows = top_holders_chart(superset, int(descriptions.pop("id")), period)
            shown[name] = {"descriptions": descriptions, "rows": rows}
            print(f"{name}: dataset holdings, {len(descriptions)} described columns")
            for row in rows:
                print(f"  {row['country']:<24} {row['SUM(usd_millions)']:>12,.0f}")
    return shown


def _metadata_database(postgres_url: str) -> str:
    """A fresh database for Superset's own metadata on the mirror's server."""
    import psycopg

    name = f"superset_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute(f'create database "{name}"'.encode())
    server, _, _ = postgres_url.rpartition("/")
    return server.replace("postgresql://", "postgresql+psycopg2://", 1) + "/" + name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--postgres-url", required=True, help="the mirror's database")
    parser.add_argument("--period", default="2026-04-01")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args()
    try:
        check(args.data_dir, args.postgres_url, args.period, args.venv)
    except (SupersetCheckFailed, FileNotFoundError, subprocess.CalledProcessError) as error:
        print(f"superset check: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

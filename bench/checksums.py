"""Checksum every contract view of a warehouse: row count and an order-independent hash."""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
views = ["holdings", "flows", "official_private", "revisions", "observations", "issuer_sector_holdings", "npr_summary"]
for v in views:
    try:
        cols = [r[0] for r in con.execute(f"describe {v}").fetchall()]
        cols = [c for c in cols if c not in ("loaded_at",)]
        n, h = con.execute(f"select count(*), sum(hash({', '.join(cols)})) from {v}").fetchone()
        print(v, n, h)
    except Exception as e:
        print(v, "ERR", str(e).splitlines()[0])
for d in ["2023-03-16", "2026-06-18", "2026-07-01", "2026-07-14"]:
    for m in ["holdings_as_of", "flows_as_of"]:
        n, h = con.execute(f"select count(*), sum(hash(columns(*))) from {m}(DATE '{d}')").fetchone() if False else con.execute(f"select count(*), sum(hash(*COLUMNS(*))) from {m}(DATE '{d}')").fetchone()
        print(m, d, n, h)
print("releases", con.execute("select release_date, files, sha256s, status from releases order by 1").fetchall())

"""The quality gate that stops a bad release before it is published.

``expectations.gate.run_gate`` validates parsed frames (Great Expectations suites per source,
cross-table identities, history checks) and returns an ``expectations.results.GateReport``;
``expectations.report.write_report`` renders it as one HTML page. See docs/quality_gate.md.
"""

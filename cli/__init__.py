"""The `tic` command, on top of everything: it may start Prefect flows."""

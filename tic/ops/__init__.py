"""Operating the pipeline: the release calendar, freshness, the writer lock, alerts."""

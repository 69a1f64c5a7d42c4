"""Errors a release run reports to people: each message names the file and what to do."""

from __future__ import annotations


class ReleaseError(RuntimeError):
    """A release that cannot be loaded; the message names the file and what to do."""


class ReleaseRejected(RuntimeError):
    """Validation failed: the release is quarantined and the warehouse is unchanged."""

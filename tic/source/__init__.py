"""Fetching release files and keeping their raw bytes: HTTP, folders, the archive."""

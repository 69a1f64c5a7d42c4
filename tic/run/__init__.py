"""The release run: one plain function that owns the order of the steps."""

"""TODO local store."""

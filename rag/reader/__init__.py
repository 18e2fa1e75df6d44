"""TODO reader."""

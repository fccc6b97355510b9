"""Admin of the procedure catalogue."""

"""Admin of dossiers."""

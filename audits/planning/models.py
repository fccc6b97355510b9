"""Models of this app (see its README in docs/architecture.md)."""

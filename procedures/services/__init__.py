"""Writes of the procedures app: ``catalogue`` (procedures, versions, internal processes,
import/export) and ``dossier`` (receipt to return of a dossier)."""

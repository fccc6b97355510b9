from . import catalogue, dossier  # noqa: F401  (registers the model admins)

"""``django.contrib.staticfiles`` for production. viewflow's package carries files our pages
never load: a stray copy of the Roboto font package (``node_modules``) whose CSS points at
files it does not ship — the hashed storage (``CompressedManifestStaticFilesStorage``) refuses
such references — and the scripts of ``viewflow.contrib.dash`` (Plotly, ``dash``; the app is
not installed). Neither is collected: ``collectstatic`` succeeds and stays small."""

from django.contrib.staticfiles.apps import StaticFilesConfig


class QmsStaticFilesConfig(StaticFilesConfig):
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules", "dash"]

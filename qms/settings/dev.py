"""The profile of `make run`: the demo on SQLite with a real Celery worker and beat."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

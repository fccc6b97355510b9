"""Log records as JSON lines on standard output (the production profile): one object per
line, easy to parse by journald readers, Loki, Elasticsearch or ``jq``."""

from __future__ import annotations

import datetime as dt
import json
import logging

#: Attributes every ``LogRecord`` has; anything else was passed in ``extra=`` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "process"}`` plus the traceback of an
    exception and the ``extra`` values of the call (a request object is reduced to its
    method and path)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key == "request" and hasattr(value, "method"):
                value = f"{value.method} {getattr(value, 'path', '')}"
            data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)

# The two commands of the README: `make run` and `make test`. Both do all set-up themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
HOST ?= 127.0.0.1
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export DJANGO_SETTINGS_MODULE ?= qms.settings.dev

.PHONY: help install messages setup demo run worker beat test lint check-migrations pytest clean

help:
	@echo "make run   — cài đặt, tạo CSDL, nạp dữ liệu trình diễn, chạy web + Celery worker + beat"
	@echo "make test  — cài đặt và chạy toàn bộ kiểm thử (ruff, migrations, import-linter, pytest)"

$(UV):
	python3 -m pip install --user --quiet uv

install: $(UV)
	$(UV) sync --frozen --python 3.11 --quiet
	@mkdir -p var/celery/queue var/celery/processed var/media

# Compiled catalogues are not committed: GNU msgfmt when the machine has it, Babel otherwise.
messages: install
	@if command -v msgfmt >/dev/null; then \
		$(MANAGE) compilemessages --ignore=.venv -v 0; \
	else \
		for dir in locale locale/viewflow; do \
			$(VENV)/bin/pybabel compile -q -D django -d $$dir --use-fuzzy=false 2>/dev/null || \
			$(VENV)/bin/pybabel compile -q -D django -d $$dir; \
		done; \
	fi

setup: install messages
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) load_demo

demo: setup

run: setup
	@echo ""
	@echo "  ISO điện tử đang chạy tại http://$(HOST):$(PORT)/  (Ctrl-C để dừng)"
	@echo "  Tài khoản trình diễn, mật khẩu ISO-demo-2024: admin, motcua, chuyenvien, truongphong,"
	@echo "  giamdoc, phogiamdoc, vanthu, thuky, danhgia, chuyenvien.nuoc, truongphong.nuoc, ..."
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A qms worker --loglevel=INFO --concurrency=1 --hostname=qms@%h & \
	$(VENV)/bin/celery -A qms beat --loglevel=INFO & \
	$(MANAGE) runserver $(HOST):$(PORT) & \
	wait

worker: install
	$(VENV)/bin/celery -A qms worker --loglevel=INFO --concurrency=1

beat: install
	$(VENV)/bin/celery -A qms beat --loglevel=INFO

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check-migrations: install
	DJANGO_SETTINGS_MODULE=qms.settings.test $(MANAGE) makemigrations --check --dry-run

pytest: install messages
	DJANGO_SETTINGS_MODULE=qms.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

test: install messages lint check-migrations pytest

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache

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

.PHONY: help install messages catalogues setup demo run worker beat test lint check-migrations pytest clean

help:
	@echo "make run   — cài đặt, tạo CSDL, nạp dữ liệu trình diễn, chạy web + Celery worker + beat"
	@echo "make test  — cài đặt và chạy toàn bộ kiểm thử (ruff, migrations, import-linter, pytest)"

$(UV):
	python3 -m pip install --user --quiet uv

install: $(UV)
	$(UV) sync --frozen --python 3.11 --quiet
	@mkdir -p var/celery/queue var/celery/processed var/celery/control var/media staticfiles

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

# Refresh the catalogues from the code (ours: en, vi; viewflow's strings: locale/viewflow/vi).
VIEWFLOW_PO := locale/viewflow/vi/LC_MESSAGES/django.po
catalogues: install
	$(MANAGE) makemessages -l en -l vi -v 0 --ignore=.venv --ignore=var --ignore=locale \
		--ignore=tests --ignore=staticfiles --ignore=media
	@tmp=$$(mktemp -d) && \
	vf=$$($(PY) -c "import importlib.util as u; print(u.find_spec('viewflow').submodule_search_locations[0])") && \
	cp -r "$$vf" "$$tmp/viewflow" && rm -rf "$$tmp/viewflow/locale" && mkdir "$$tmp/viewflow/locale" && \
	(cd "$$tmp/viewflow" && env -u DJANGO_SETTINGS_MODULE $(CURDIR)/$(VENV)/bin/django-admin makemessages -l vi -v 0) && \
	msgcat --use-first "$$tmp/viewflow/locale/vi/LC_MESSAGES/django.po" locale/viewflow/extras.pot -o "$$tmp/viewflow.pot" && \
	msgmerge --quiet --update --backup=none $(VIEWFLOW_PO) "$$tmp/viewflow.pot"; \
	status=$$?; rm -rf "$$tmp"; exit $$status

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

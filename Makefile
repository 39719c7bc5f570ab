# Two commands: `make run` (the product with demo data) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
RUN_APT := $(shell [ "$$(id -u)" = 0 ] && echo "" || echo sudo)
BIND ?= 127.0.0.1:8000

.PHONY: run test venv venv-dev translations system-run system-test migrate lint bench clean

run: venv system-run translations
	$(BIN)/flask serve --bind $(BIND) --with-demo

test: venv-dev system-test translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -p no:cacheprovider -q
	TEST_POSTGRES=1 $(BIN)/pytest -p no:cacheprovider -q

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/activate requirements.txt constraints.txt
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt constraints.txt
	$(BIN)/pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

# Debian packages: fonts for slides and reports (those of the default CONTENT_LANGUAGES; fontconfig's fc-match
# and fc-query find them and tell what each covers), Pango for the PDF reports (WeasyPrint), FFmpeg (ffprobe reads
# every uploaded video, ffmpeg makes its poster frame), nginx with the nchan module (`flask players push-proxy`
# pushes alerts and commands to the players over server-sent events; Debian's own nginx service, which would
# serve its welcome page on port 80, is stopped and disabled when this installs it);
# Chromium, PostgreSQL, zbar and poppler (pdftotext reads the PDF reports) for the tests.
system-run:
	@need=""; for p in fontconfig fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji libpango-1.0-0 libpangoft2-1.0-0 ffmpeg nginx libnginx-mod-nchan; do dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then $(RUN_APT) apt-get update -qq && $(RUN_APT) apt-get install -y -qq $$need; fi; \
	case "$$need" in *" nginx"*) echo "Stopping Debian's own nginx service (the push proxy runs its own nginx)"; \
	  $(RUN_APT) sh -c 'systemctl disable --now nginx || service nginx stop' >/dev/null 2>&1 || true;; esac

system-test: system-run
	@need=""; for p in chromium postgresql libzbar0 poppler-utils; do dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then $(RUN_APT) apt-get update -qq && $(RUN_APT) apt-get install -y -qq $$need; fi

translations: venv
	@for dir in */translations; do $(BIN)/pybabel compile --statistics -d $$dir; done

migrate: venv
	$(BIN)/flask db upgrade heads

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: venv-dev
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance test-artifacts

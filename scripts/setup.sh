#!/usr/bin/env bash
# Installs everything tenderwatch needs on a fresh Debian machine: system packages
# (OCR, CJK fonts, chromium for browser tests, PostgreSQL for the server backend)
# and a Python virtual environment in .venv with the package and its dev tools.
# Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng   # OCR of scanned PDFs
  fonts-wqy-zenhei                                        # CJK glyphs for rendering and screenshots
  chromium                                                # browser tests of the web UI
  postgresql postgresql-contrib                           # optional server backend (pg_trgm)
  ripgrep                                                 # benchmark baseline
  poppler-utils                                           # pdftoppm, to look at generated reports
  libicu-dev pkg-config g++                               # build PyICU for followthemoney (tests)
  gcc python3-dev                                         # compile the scanning hot path (setup.py)
)

if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
# Installing builds the compiled scanning modules (setup.py), about a minute on two cores:
# skipped when the dependencies are as installed and every compiled module is current and
# loads (an extension deleted since is built again).
stamp=.venv/tenderwatch-install.sha256
wanted="$(cat pyproject.toml setup.py | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && env -u TENDERWATCH_PURE_PYTHON .venv/bin/python -c \
  'import sys, tenderwatch._native as n, tenderwatch.detect.engine, tenderwatch.normalize
b = n.recorded(); sys.exit(not b or bool(n.stale(b)) or n.compiled_modules() != sorted(b))'; then
  echo "==> tenderwatch installed and its compiled modules current"
else
  echo "==> pip install -e .[dev]"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$wanted" > "$stamp"
fi
echo "==> setup done"

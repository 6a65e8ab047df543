#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine and runs the whole test suite against
# real parts: tesseract, chromium, a throwaway PostgreSQL server, local HTTP servers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

pg_dir="$(mktemp -d /tmp/tenderwatch-pg.XXXXXX)"
trap 'scripts/pg-test-server.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
eval "$(scripts/pg-test-server.sh start "$pg_dir")"

echo "==> ruff"
.venv/bin/ruff check setup.py tenderwatch tests bench examples
.venv/bin/ruff format --check setup.py tenderwatch tests bench examples
echo "==> mypy --strict"
.venv/bin/mypy
echo "==> pytest"
.venv/bin/python -m pytest -n 2 --dist loadgroup "$@"

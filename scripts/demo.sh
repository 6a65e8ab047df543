#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled example corpus: ingest every
# document into a fresh SQLite archive, extract, scan with the rule set, and show what was flagged.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export TENDERWATCH_DATA_DIR="${TENDERWATCH_DATA_DIR:-tenderwatch-data}"
tw=.venv/bin/tenderwatch
# Exit code 2 only means some example inputs are deliberately unreadable; keep going.
$tw ingest examples/corpus/ || [ $? -eq 2 ]
$tw stats
$tw ls --risk high --risk medium
$tw vendors ls --procured
echo "Next: tenderwatch show ID (evidence, facts, provenance), tenderwatch serve (review workbench)."

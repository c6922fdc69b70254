#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine (idempotent): every scripts/pretest.d/*.sh in order.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/pretest.d/*.sh; do bash "$step"; done

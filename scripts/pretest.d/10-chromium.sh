#!/usr/bin/env bash
# The /docs browser test (test/e2e/docs-browser.test.ts) drives Debian's Chromium through playwright-core
# (no browser download). Installs the `chromium` package when it is missing and we may (root with apt-get);
# otherwise says what to install and fails, because the suite cannot pass without it.
set -euo pipefail

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0

if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "pretest: CHROMIUM_PATH=$browser is not an executable file" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's chromium for the browser test (once; takes a minute)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null
  if [ -x "$browser" ]; then exit 0; fi
  echo "pretest: apt-get installed chromium but $browser is still missing" >&2
  exit 1
fi

cat >&2 <<MESSAGE
pretest: Chromium not found at $browser; test/e2e/docs-browser.test.ts needs it.
  Debian/Ubuntu: sudo apt-get install chromium
  elsewhere:     install Chromium and run the tests with CHROMIUM_PATH=/path/to/chromium npm test
MESSAGE
exit 1

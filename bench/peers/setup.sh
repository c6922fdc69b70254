#!/usr/bin/env bash
# Installs the FastAPI peer's stack from Debian when it is missing (idempotent): python3-fastapi,
# python3-uvicorn, python3-uvloop, python3-httptools, run with /usr/bin/python3. As root it installs them
# with apt-get; otherwise it prints the command and exits 0 (the bench then skips the FastAPI rows with a
# note). The Fastify peer's packages are devDependencies (npm install).
set -euo pipefail
PACKAGES=(python3-fastapi python3-uvicorn python3-uvloop python3-httptools)
if /usr/bin/python3 -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null; then
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "bench/peers: the FastAPI peer needs: sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5 6; do
  if apt-get install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null 2>&1; then break; fi
  [[ $attempt -eq 2 ]] && apt-get update >/dev/null 2>&1 || true
  sleep 10
done
/usr/bin/python3 -c 'import fastapi, uvicorn, uvloop, httptools' || {
  echo "bench/peers: could not install ${PACKAGES[*]}" >&2
  exit 0
}

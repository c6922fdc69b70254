#!/usr/bin/env bash
# pgvector 0.8.0 (the version Aurora PostgreSQL 16 offers) in the machine's PostgreSQL 15, so the Postgres
# suites also run on real PostgreSQL (vitest project "postgres"). Idempotent: quick when already installed.
# Builds from the vendored source (../shared/vendor, or $PGVECTOR_TARBALL) with Debian's
# postgresql-server-dev-15 when run as root; otherwise prints the commands and fails, since the
# "postgres" project cannot pass without the extension.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=0.8.0
pg_config=/usr/lib/postgresql/15/bin/pg_config
tarball="${PGVECTOR_TARBALL:-../shared/vendor/pgvector-${version}.tar.gz}"

if [[ -x "$pg_config" ]]; then
  extension_dir="$("$pg_config" --sharedir)/extension"
else
  extension_dir=/usr/share/postgresql/15/extension
fi

if [[ -f "$extension_dir/vector.control" && -f "$extension_dir/vector--${version}.sql" ]]; then
  exit 0
fi
# A server elsewhere (TEST_POSTGRES_URL) that already offers pgvector needs nothing here.
server_url="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if command -v psql >/dev/null 2>&1 &&
  [[ "$(psql "$server_url" -tAc "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi

instructions() {
  cat >&2 <<TEXT
pgvector ${version} is not installed in PostgreSQL 15 ($extension_dir/vector.control is missing).
The "postgres" test project needs it. As root:
  apt-get update && apt-get install -y postgresql-server-dev-15 build-essential
  tar xzf $tarball -C /tmp
  make -C /tmp/pgvector-${version} PG_CONFIG=$pg_config OPTFLAGS= with_llvm=no
  make -C /tmp/pgvector-${version} PG_CONFIG=$pg_config OPTFLAGS= with_llvm=no install
TEXT
}

if [[ "$(id -u)" -ne 0 ]]; then
  instructions
  exit 1
fi
if [[ ! -f "$tarball" ]]; then
  echo "pgvector source not found at $tarball (set PGVECTOR_TARBALL)" >&2
  instructions
  exit 1
fi

echo "pretest: building pgvector ${version} for PostgreSQL 15 from $tarball"
if ! dpkg -s postgresql-server-dev-15 build-essential >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-server-dev-15 build-essential >/dev/null
fi

build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT
tar xzf "$tarball" -C "$build_dir"
source_dir="$build_dir/pgvector-${version}"
make_args=(-C "$source_dir" "PG_CONFIG=$pg_config" OPTFLAGS= with_llvm=no)
make -s "${make_args[@]}" >/dev/null
make -s "${make_args[@]}" install >/dev/null
test -f "$extension_dir/vector.control"
echo "pretest: pgvector ${version} installed into $extension_dir"

#!/usr/bin/env bash
# Installs the database servers the data-check tests start on loopback (Debian's packages):
# PostgreSQL, MariaDB, and openssl for their test certificates; with them ssh-keygen (openssh-client),
# which with openssl reads back the keys tls_private_key derives. Idempotent: installs only what
# is missing. The servers are never started as services; the tests start their own.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-databases.sh: ${missing[*]} missing; run as root (apt-get) or install them" >&2
  exit 1
fi
echo "installing ${missing[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }

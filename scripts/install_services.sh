#!/usr/bin/env bash
# Install the services the production profile and its tests use: PostgreSQL, Redis and nginx (the load balancer).
#   sudo scripts/install_services.sh
# Idempotent and non-interactive; does nothing (and needs no network or root) when all are there.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1; }
have_redis() { command -v redis-server >/dev/null 2>&1; }
have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }

missing=()
have_postgres || missing+=(postgresql postgresql-contrib)
have_redis || missing+=(redis-server)
have_nginx || missing+=(nginx)
if [ ${#missing[@]} -eq 0 ]; then
  echo "effortless: PostgreSQL, Redis and nginx are installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "effortless: installing ${missing[*]} needs root; run: sudo $0" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "effortless: no apt-get here; install ${missing[*]} with your package manager" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
echo "effortless: installing ${missing[*]}"
apt-get update -qq
# policy-rc.d keeps the packages from starting system-wide services: tests start their own on loopback.
policy=/usr/sbin/policy-rc.d
created_policy=no
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=yes
fi
trap '[ "$created_policy" = yes ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
have_postgres && have_redis && have_nginx || { echo "effortless: installation finished but a binary is still missing" >&2; exit 1; }
echo "effortless: installed ${missing[*]}"

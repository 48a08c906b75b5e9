# Shared by the scripts: pinned versions, paths, and messages.
ANVIL_VERSION=1.7.1
ANVIL=tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
# Images are tagged with the version of what they hold.
ANVIL_IMAGE=op-harness/anvil:$ANVIL_VERSION
NODE_IMAGE=op-harness/node:dev

# Debian's chromium, for the headless page tests.
CHROMIUM=/usr/bin/chromium

# The newest PostgreSQL server binaries Debian's postgresql package installed.
pg_binaries() {
  local dirs=(/usr/lib/postgresql/*/bin)
  [[ -x ${dirs[-1]}/initdb ]] || return 1
  printf '%s\n' "${dirs[@]}" | sort -V | tail -1
}

step() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 2; }

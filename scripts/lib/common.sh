# Shared by the scripts: pinned versions, paths, and messages.
ANVIL_VERSION=1.7.1
ANVIL=tools/anvil/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
# Images are tagged with the version of what they hold.
ANVIL_IMAGE=op-harness/anvil:$ANVIL_VERSION
NODE_IMAGE=op-harness/node:dev

step() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 2; }

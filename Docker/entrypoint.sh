#!/bin/sh
# The image's entry point. Runs as the unprivileged user the image was built with
# (uid 10001 by default; never root): a peer's files are mounted in, read-only, and
# must be readable by that uid (mode 0600, owned by it). Anything but `peer` runs as given.
set -eu
home=/home/tradewind/peer
if [ "$(id -u)" = 0 ]; then
  echo "tradewind-entrypoint: refusing to run as root; run the image as its own user (uid $(id -u tradewind 2>/dev/null || echo 10001))" >&2
  exit 1
fi
if [ "${1:-}" = peer ]; then
  uid=$(id -u)
  for file in "$home/config.json" "$home/genesis.json" "$home/network.key" "$home/keys/node.key"; do
    if [ ! -e "$file" ]; then
      echo "tradewind-entrypoint: $file is missing: mount it (tradewind testnet --docker writes a compose file that does)" >&2
      exit 1
    fi
    if [ ! -r "$file" ]; then
      echo "tradewind-entrypoint: $file is not readable by uid $uid: on the host, chown $uid it (keys stay mode 0600)" >&2
      exit 1
    fi
  done
  if [ ! -w "$home/data" ]; then
    echo "tradewind-entrypoint: $home/data (the store's volume) is not writable by uid $uid" >&2
    exit 1
  fi
  # A container started again keeps its writable layer: the last run's API address
  # would point the CLI and the health check at nothing until the peer writes it anew.
  rm -f "$home/run/api.addr"
fi
exec /usr/local/bin/tradewind "$@"

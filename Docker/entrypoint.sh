#!/bin/sh
# Runs tradewind as the unprivileged 'tradewind' user. Homes generated on the host
# (tradewind testnet --docker) are mounted as volumes: hand them to that user first.
set -eu
home=/home/tradewind/peer
if [ "$(id -u)" = "0" ]; then
  if [ -d "$home" ]; then
    chown -R tradewind:tradewind "$home"
  fi
  exec setpriv --reuid=tradewind --regid=tradewind --init-groups /usr/local/bin/tradewind "$@"
fi
exec /usr/local/bin/tradewind "$@"

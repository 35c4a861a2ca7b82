# Starting, watching and stopping a local mesh of `tradewind peer` processes.
# Sourced, not run. Needs $bin (the tradewind binary).

# mesh_start DIR NAME...: starts one peer per home DIR/NAME; pids go to DIR/pids.
mesh_start() {
  local dir="$1"; shift
  for name in "$@"; do
    nohup "$bin" peer --home "$dir/$name" >"$dir/$name.log" 2>&1 &
    echo "$! $name" >>"$dir/pids"
  done
}

# mesh_stop DIR: SIGTERM to every peer in DIR/pids, then SIGKILL after 10 s.
mesh_stop() {
  local dir="$1"
  [ -f "$dir/pids" ] || return 0
  while read -r pid name; do
    kill -TERM "$pid" 2>/dev/null || true
  done <"$dir/pids"
  for _ in $(seq 1 100); do
    local alive=0
    while read -r pid name; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$dir/pids"
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  while read -r pid name; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/pids"
  rm -f "$dir/pids"
}

# mesh_height HOME: the height a running peer reports (empty if it does not answer).
mesh_height() {
  "$bin" status --home "$1" --json 2>/dev/null | sed -n 's/.*"height" : \([0-9]*\).*/\1/p' | head -n1
}

# mesh_wait_height DIR HEIGHT TIMEOUT NAME...: waits until every named peer reports HEIGHT.
mesh_wait_height() {
  local dir="$1" target="$2" timeout="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout ))
  for name in "$@"; do
    while true; do
      local height
      height=$(mesh_height "$dir/$name")
      [ -n "$height" ] && [ "$height" -ge "$target" ] && break
      [ "$(date +%s)" -lt "$deadline" ] || { echo "peer $name did not reach height $target (log: $dir/$name.log)" >&2; return 1; }
      sleep 0.2
    done
  done
}

# Starting, watching and stopping a local mesh of `tradewind peer` processes.
# Sourced, not run (after common.sh). Needs $bin (the tradewind binary).
#
# Every wait here expects peers that run but do not answer yet (a peer's API comes
# up a moment after its process, later on a loaded machine): "no answer" means
# "ask again", until the peer's process is gone or the time is up; then the wait
# fails saying which peer, what it last reported, and the end of its log.

# mesh_start DIR NAME...: starts one peer per home DIR/NAME, logging to DIR/NAME.log;
# pids go to DIR/pids. Peers named in MESH_SLOW_PEERS (comma-separated) start their
# local API MESH_SLOW_MS milliseconds late (the TRADEWIND_API_START_DELAY_MS test hook).
mesh_start() {
  local dir="$1" name; shift
  for name in "$@"; do
    # An address left by a killed peer would point the CLI at nothing.
    rm -f "$dir/$name/run/api.addr"
    local hook=()
    if [[ ",${MESH_SLOW_PEERS:-}," == *",$name,"* ]]; then
      hook=(env "TRADEWIND_API_START_DELAY_MS=${MESH_SLOW_MS:-5000}")
    fi
    nohup "${hook[@]}" "$bin" peer --home "$dir/$name" >"$dir/$name.log" 2>&1 &
    echo "$! $name" >>"$dir/pids"
  done
}

# mesh_owns DIR PID NAME: whether process PID is peer NAME of DIR (one of its arguments
# is the home DIR/NAME); false once it has exited, or when a stale DIR/pids (after a
# reboot) names a pid some other process now has.
mesh_owns() {
  local argument arguments=()
  [ -r "/proc/$2/cmdline" ] || return 1
  mapfile -d '' arguments <"/proc/$2/cmdline" 2>/dev/null || return 1
  for argument in "${arguments[@]}"; do
    [ "$argument" = "$1/$3" ] && return 0
  done
  return 1
}

# mesh_stop DIR: SIGTERM to every peer in DIR/pids, then SIGKILL after 10 s; a pid
# that is not that peer's process is left alone.
mesh_stop() {
  local dir="$1" pid name
  [ -f "$dir/pids" ] || return 0
  while read -r pid name; do
    if mesh_owns "$dir" "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null || true
    elif process_alive "$pid"; then
      echo "pid $pid (peer $name in $dir/pids) is another process, not that peer: left alone" >&2
    fi
  done <"$dir/pids"
  for _ in $(seq 1 100); do
    local alive=0
    while read -r pid name; do mesh_owns "$dir" "$pid" "$name" && alive=1; done <"$dir/pids"
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  while read -r pid name; do
    if mesh_owns "$dir" "$pid" "$name" && kill -KILL "$pid" 2>/dev/null; then
      echo "peer $name (pid $pid) ignored SIGTERM for 10 s: killed" >&2
    fi
  done <"$dir/pids"
  rm -f "$dir/pids"
}

# mesh_pid DIR NAME: the pid of peer NAME (empty if it was not started from DIR/pids).
mesh_pid() {
  [ -f "$1/pids" ] || return 0
  awk -v name="$2" '$2 == name { print $1 }' "$1/pids" | tail -n1
}

# mesh_height HOME: the height a running peer reports; empty while it does not answer.
mesh_height() {
  { "$bin" status --home "$1" --json 2>/dev/null || true; } | running_height
}

# mesh_log_tail DIR NAME [LINES]: the end of peer NAME's log, framed.
mesh_log_tail() {
  local file="$1/$2.log" lines="${3:-20}"
  if [ -f "$file" ]; then
    echo "--- last $lines lines of $file ---"
    tail -n "$lines" "$file"
    echo "---"
  else
    echo "(no log at $file)"
  fi
}

# mesh_blocks [--print] DIR HEIGHT NAME...: the block each named peer holds at HEIGHT,
# into MESH_BLOCK_IDS and MESH_STATE_ROOTS (one entry per peer, in order; empty where
# its answer lacks the field); with --print, a line per peer as it answers. Fails as
# `tradewind block` fails.
mesh_blocks() {
  local print="" dir height name json
  if [ "$1" = --print ]; then print=1; shift; fi
  dir="$1" height="$2"; shift 2
  MESH_BLOCK_IDS=() MESH_STATE_ROOTS=()
  for name in "$@"; do
    json=$("$bin" block "$height" --home "$dir/$name" --json)
    MESH_BLOCK_IDS+=("$(json_get id <<<"$json")")
    MESH_STATE_ROOTS+=("$(json_get stateRoot <<<"$json")")
    if [ -n "$print" ]; then
      printf '%-12s block %s  state root %s\n' "$name" "${MESH_BLOCK_IDS[-1]}" "${MESH_STATE_ROOTS[-1]}"
    fi
  done
}

# mesh_wait_height DIR HEIGHT TIMEOUT NAME...: waits until every named peer reports
# HEIGHT; fails (status 1) if one exits or TIMEOUT seconds pass, printing its log's end.
mesh_wait_height() {
  local dir="$1" target="$2" timeout="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout )) name height pid
  for name in "$@"; do
    while true; do
      height=$(mesh_height "$dir/$name")
      if [ -n "$height" ] && [ "$height" -ge "$target" ]; then break; fi
      pid=$(mesh_pid "$dir" "$name")
      if [ -n "$pid" ] && ! process_alive "$pid"; then
        { echo "peer $name (pid $pid) exited while the mesh waited for height $target"
          mesh_log_tail "$dir" "$name"; } >&2
        return 1
      fi
      if [ "$(date +%s)" -ge "$deadline" ]; then
        { echo "peer $name did not reach height $target within $timeout s" \
            "(${height:+it is at height $height}${height:-its API does not answer})"
          mesh_log_tail "$dir" "$name"; } >&2
        return 1
      fi
      sleep 0.2
    done
  done
}

# mesh_report DIR NAME...: one line per peer (height, not answering, or exited),
# and the end of the log of every peer that is not answering.
mesh_report() {
  local dir="$1" name pid height; shift
  echo "the mesh in $dir:"
  for name in "$@"; do
    pid=$(mesh_pid "$dir" "$name")
    if [ -z "$pid" ]; then
      printf '  %-12s not started\n' "$name"
      continue
    fi
    height=$(mesh_height "$dir/$name")
    if [ -n "$height" ]; then
      printf '  %-12s pid %-7s height %s\n' "$name" "$pid" "$height"
    elif process_alive "$pid"; then
      printf '  %-12s pid %-7s running, API not answering\n' "$name" "$pid"
    else
      printf '  %-12s pid %-7s exited\n' "$name" "$pid"
    fi
  done
  for name in "$@"; do
    pid=$(mesh_pid "$dir" "$name")
    [ -n "$pid" ] || continue
    [ -n "$(mesh_height "$dir/$name")" ] || mesh_log_tail "$dir" "$name"
  done
}

# Shared by the interop scripts that run the real server (instance.sh, webmention.sh, mf2py.sh):
# sourced, not run. Gives them
#
#   fail MESSAGE            print "FAIL: MESSAGE" and exit 1
#   $tmp                    a temporary folder, removed at exit
#   started PID             a process to stop at exit (within 5 s, then SIGKILL)
#   free_port               a free TCP port on 127.0.0.1
#   wait_for URL WHAT PID   wait up to 30 s for URL to answer 2xx, failing if PID exits first
#   server_binary           sets $bc to the badgecommons binary ($BADGECOMMONS_BIN, else built
#                           here with cargo in cargo's target dir, which honours CARGO_TARGET_DIR)
#
# At exit after a failure, the last 40 lines of $tmp/server.log (where the scripts send the
# server's output) are printed.

fail() { echo "FAIL: $*" >&2; exit 1; }

tmp="$(mktemp -d)"
started_pids=()
started() { started_pids+=("$1"); }

stop() { # PID: stop a process this script started, within 5 seconds
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

interop_cleanup() {
    local status=$?
    local pid
    for pid in "${started_pids[@]}"; do stop "$pid"; done
    if [ "$status" != 0 ] && [ -f "$tmp/server.log" ]; then
        echo "--- server log (last 40 lines) ---" >&2
        tail -n 40 "$tmp/server.log" >&2
    fi
    rm -rf "$tmp"
}
trap interop_cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # URL WHAT PID: up to 30 seconds
    for _ in $(seq 1 150); do
        curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || fail "$2 exited before answering on $1"
        sleep 0.2
    done
    fail "$2 did not answer on $1 within 30 seconds"
}

server_binary() {
    if [ -z "${BADGECOMMONS_BIN:-}" ]; then
        cargo build --quiet -p badgecommons --bin badgecommons || fail "cargo build -p badgecommons"
        local target_dir
        target_dir="$(cargo metadata --format-version 1 --no-deps |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')" ||
            fail "cargo metadata"
        BADGECOMMONS_BIN="$target_dir/debug/badgecommons"
    fi
    bc="$BADGECOMMONS_BIN"
    [ -x "$bc" ] || fail "no server binary at $bc"
    echo "server binary: $bc"
}

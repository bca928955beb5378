# shellcheck shell=bash
# Shared by the local agent tests (tests/agents/chain/t-*.sh): the built agent against real
# bl-test-member daemons, a tmpfs or loop-device "shared volume", all inside private mount
# and PID namespaces so no mount or process outlives the test. Exit codes: 0 pass, 1 failures, 77 skip, 99 error.
set -u

: "${BL_AGENT:?set BL_AGENT to the built servicechain agent}"
: "${BL_CLI:?set BL_CLI to the built bmclink command}"
: "${BL_TEST_MEMBER:?set BL_TEST_MEMBER to the built bl-test-member}"
: "${BL_SOURCE_DIR:?set BL_SOURCE_DIR to the source tree}"

bl_failures=0
LAST_OUT=
LAST_RC=0

bl_fail() {
    echo "FAIL: $*" >&2
    bl_failures=$((bl_failures + 1))
}

bl_skip() {
    echo "SKIP: $*"
    exit 77
}

bl_error() {
    echo "ERROR: $*" >&2
    exit 99
}

bl_finish() {
    if [ "$bl_failures" -eq 0 ]; then
        echo "PASS: $(basename "$0")"
        exit 0
    fi
    echo "$(basename "$0"): $bl_failures failure(s)" >&2
    exit 1
}

# Re-run this script as init of its own mount and PID namespaces: its mounts vanish with
# it, orphaned members are reaped by it, and whatever still runs when it exits is killed.
bl_private_ns() {
    [ "$(id -u)" -eq 0 ] || bl_skip "needs root to mount a test volume"
    command -v unshare >/dev/null || bl_error "unshare(1) is not installed (util-linux)"
    if [ -z "${BL_IN_NS:-}" ]; then
        BL_IN_NS=1 exec unshare --mount --propagation private --pid --fork --mount-proc \
            "$0" "$@"
    fi
}

# Kill only the test members this test started: pidfiles under $T naming bl-test-member.
bl_kill_members() {
    local f pid
    for f in "$T"/run/*.pid "$T"/*.pid; do
        [ -r "$f" ] || continue
        read -r pid <"$f" 2>/dev/null || continue
        if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$BL_TEST_MEMBER" ]; then
            kill -9 "$pid" 2>/dev/null
        fi
    done
}

bl_cleanup() {
    local mp
    bl_kill_members
    # our mounts, deepest first (they would vanish with the namespace anyway)
    for mp in $(awk -v t="$T" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$mp" 2>/dev/null
    done
    if [ -n "${BL_LOOP:-}" ]; then
        losetup -d "$BL_LOOP" 2>/dev/null
    fi
    rm -rf "$T"
}

# A scratch tree: $T/vol (the shared volume's mount point), $T/local/{work,db} (the
# manager's local folders with their install-time content), $T/run (pidfiles).
bl_setup() {
    T=$(mktemp -d /tmp/bl-chain-test.XXXXXX) || bl_error "mktemp"
    trap bl_cleanup EXIT
    mkdir -p "$T/vol" "$T/local/work" "$T/local/db" "$T/run"
    echo "installed" >"$T/local/work/install.txt"
    echo "schema v1" >"$T/local/db/schema.sql"
    export OCF_ROOT=/usr/lib/ocf
    export OCF_RESOURCE_INSTANCE=esm
}

bl_mount_tmpfs() {
    mount -t tmpfs -o size=32m bl-test-vol "$T/vol" || bl_error "cannot mount tmpfs"
}

# A chain of test members for a profile; members write into $T/local/work.
bl_make_chain() { # PROFILE OUT [EXTRA_MEMBER_ARGS]
    "$BL_SOURCE_DIR/tests/tools/members/make-chain.sh" "$BL_CLI" "$1" "$BL_TEST_MEMBER" "$T/run" \
        "$T/local/work" "${3:-}" >"$2" || bl_error "make-chain.sh $1"
}

# ra NODE ACTION: run the agent as Pacemaker would on NODE (own runtime directory per node).
ra() {
    env HA_RSCTMP="$T/rsctmp-$1" OCF_RESKEY_CRM_meta_on_node="$1" \
        OCF_RESKEY_CRM_meta_timeout="${BL_TIMEOUT_MS:-60000}" "$BL_AGENT" "$2"
}

# expect_rc WANT CMD...: run, keep output in LAST_OUT, count a failure if rc differs.
expect_rc() {
    local want=$1
    shift
    LAST_OUT=$("$@" 2>&1)
    LAST_RC=$?
    if [ "$LAST_RC" -ne "$want" ]; then
        bl_fail "'$*' returned $LAST_RC, expected $want"
        printf '%s\n' "$LAST_OUT" | tail -25 | sed 's/^/    | /' >&2
    fi
}

# expect_out TEXT: the last command's output contains TEXT.
expect_out() {
    if ! grep -qF -- "$1" <<<"$LAST_OUT"; then
        bl_fail "output lacks '$1'"
        printf '%s\n' "$LAST_OUT" | sed 's/^/    | /' >&2
    fi
}

# expect_file_has FILE TEXT
expect_file_has() {
    if ! grep -qF -- "$2" "$1" 2>/dev/null; then
        bl_fail "$1 lacks '$2'"
        sed 's/^/    | /' "$1" >&2 2>/dev/null
    fi
}

bl_counter() { # MEMBER: its counter as the bound folder shows it
    cat "$T/local/work/$1.counter" 2>/dev/null || echo 0
}

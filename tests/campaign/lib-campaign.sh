# shellcheck shell=bash
# The fault campaign's site, writers, sampler and settling (tests/campaign/campaign), sourced
# after tests/lab/lib.sh, lib-reg.sh and lib-bmc.sh. docs/campaign.md says what it proves.
#
# The site is what the lab tests build one piece at a time, all at once: the shared disk,
# fencing from conf/stonith-pcs.sh.example, bmclinkd (registry and BMC side) as the clone of
# conf/pcmk-bmcnotice.pcs.sh.example, the chain group `esm` of
# conf/servicechain-pcs.sh.example with the registry profile, and the evacuate rule.
# Binaries under test come from $BMCLINK_BUILD_DIR (default build/): bmclinkd, bmclink-reg,
# bmclink and bl-test-member travel on the nodes' disks, fence_bmclink and the two OCF agents
# are laid over the nodes' /usr (BMCLINK_LAB_SBIN, BMCLINK_LAB_OCF): the host's /usr is
# left alone.

C_PROFILE=/etc/bmclink/esmpro.profile
C_RENDER=/var/lib/bmclink/esm-conf/esmpro.reg
C_NODE_FLAGS=/var/lib/bmclink # the writers' pause flags, on each node's disk
C_WRITE_PATH=CAMPAIGN         # the writers' keys: CAMPAIGN/node<i>/w<epoch us>

# c_log TEXT: one line of the campaign's log, with the time since it started.
c_log() { printf '[%7ss] %s\n' "$(t_elapsed)" "$*"; }

# c_nodes: node1 .. nodeN of the lab, one per line.
c_nodes() {
    local i
    for ((i = 1; i <= $(lab_node_count); i++)); do echo "node$i"; done
}

# c_require: everything the site needs, from the build under test.
c_require() {
    local b=${BMCLINK_BUILD_DIR:-$REPO_DIR/build}
    export BMCLINK_BUILD_DIR=$b
    reg_chain_require
    bmc_require
    [[ -x $b/agents/fence_bmclink && -x $b/agents/servicechain ]] ||
        error "$b has no agents/fence_bmclink or agents/servicechain (build first)"
    C_BLAST=
    [[ ! -x $b/bench/trap_blast ]] || C_BLAST=$b/bench/trap_blast
    need_cmd pgrep procps
    # The agents under test over the nodes' /usr (the lab's overlay; the host keeps its own).
    C_OCF=$C_DIR/ocf/bmclink
    install -d "$C_OCF"
    install -m 755 "$b/agents/servicechain" "$C_OCF/servicechain"
    install -m 755 "$REPO_DIR/agents/bmclinkd" "$C_OCF/bmclinkd"
    export BMCLINK_LAB_SBIN=$b/agents/fence_bmclink BMCLINK_LAB_OCF=$C_OCF
}

# c_site_up N: lab up N with the shared disk and the BMC plug-in, then the whole site; the
# chain runs when it returns.
c_site_up() {
    local n=$1
    # A firmware pause at every boot, longer than the lab's token + consensus (2.2 s): real
    # servers are never fenced and back in the ring within one membership change, which
    # leaves Pacemaker 2.1.5's DC without a join offer for them (scripts/lab/node-init).
    BMCLINK_LAB_POST_S=${BMCLINK_LAB_POST_S:-4} BMCLINK_LAB_DISK=1 lab_session "$n"
    trap c_teardown EXIT
    local env t
    # (once in a run `lab disk env` said "no shared disk" right after `lab up` had attached
    # it, then found it again: asked again rather than failing the campaign)
    for ((t = 0; t < 10; t++)); do
        env=$(lab disk env) && break
        sleep 0.5
    done
    eval "$env"
    step "site: fencing, bmclinkd clone (registry + BMC side), chain group esm, evacuate rule"
    # health.hold: a genuine non-critical notice (the replay fault sends one) turns
    # #health-bmc yellow for 20 s, not the default 10 min
    bmc_conf_write recovery.target=esm health.hold=20
    stonith_from_pcs_example node1 >/dev/null
    if ((n == 2)); then
        # Two nodes race to fence each other when their link breaks: the node that runs the
        # group waits less (Pacemaker's priority-fencing-delay), as a two-node site should.
        lab x node1 pcs property set priority-fencing-delay=5s
    fi
    c_chain_install
    # what conf/servicechain-pcs.sh.example asks of an ext4 volume: an error turns it read-only
    [[ $LAB_DISK_KIND != loop ]] || tune2fs -e remount-ro "$LAB_DISK_DEV" >/dev/null ||
        error "tune2fs -e remount-ro $LAB_DISK_DEV"
    bmc_daemon_start
    for node in $(c_nodes); do reg_wait_sync "$node" 60; done
    lab_copy_to_nodes "$REPO_DIR/conf/registry/esmpro.profile" \
        "$REPO_DIR/conf/servicechain-pcs.sh.example"
    lab x node1 env DEVICE="$LAB_DISK_DEV" FSTYPE="$LAB_DISK_FSTYPE" \
        FS_OPTIONS="$LAB_DISK_OPTIONS" MOUNT_DIR="$CHAIN_MOUNT" CHAIN_FILE="$CHAIN_NAME" \
        FOLDERS="$CHAIN_FOLDERS" MONITOR_INTERVAL=3s REGISTRY_PROFILE="$C_PROFILE" \
        REGISTRY_RENDER="$C_RENDER" REGISTRY_SYNC_TIMEOUT=30s \
        sh /etc/bmclink/servicechain-pcs.sh.example >/dev/null ||
        error "conf/servicechain-pcs.sh.example failed"
    ((n != 2)) || lab x node1 pcs resource meta esm priority=10 >/dev/null
    evacuate_rule esm >/dev/null
    wait_until 90 resource_started esm-chain
}

# c_chain_install: the esm-ver4 chain on bl-test-member, Nvbase reading the rendered file.
c_chain_install() {
    local i
    chain_install_nodes esm-ver4 >/dev/null
    for ((i = 1; i <= $(lab_node_count); i++)); do
        sed -i "s|^command = $CHAIN_BIN --name Nvbase .*|& --config $C_RENDER|" \
            "$LAB_DIR/node$i/disk/etc/bmclink/chains/$CHAIN_NAME.chain"
    done
}

# c_teardown: EXIT trap: stop the helpers, resume anything left frozen, then the lab's own
# teardown (post-mortem on failure, lab down).
c_teardown() {
    local rc=$?
    set +e
    c_helpers_stop
    c_thaw_all
    (exit "$rc")
    reg_teardown
}

# --- registry writers: every node writes throughout -----------------------------------
# One shell per node, inside it, writes CAMPAIGN/node<i>/w<us> = node<i>-<us> every 0.4 s
# and prints each acknowledged write (reg_writer's format) to $C_DIR/acked.node<i>. A host
# loop starts it again after the node's power cycles. While the node's flag file
# campaign-pause exists it writes nothing and says so with campaign-paused (the audits
# compare replicas while no write is under way).

c_writer_loop() {
    local node=$1 parent=$2
    set +e # a node powered off under its writer is the point, not an error
    while [[ -e /proc/$parent && -e $C_DIR/running ]]; do
        if [[ $(lab power "$node") == on ]]; then
            # shellcheck disable=SC2016 # expanded inside the node
            lab x "$node" bash -c 'while :; do
                if [ -e "$3/campaign-pause" ]; then : >"$3/campaign-paused"; sleep 0.2; continue; fi
                rm -f "$3/campaign-paused"
                k=${EPOCHREALTIME/./}
                if "$0" --timeout 20 set "$2" "w$k" sz "$1-$k" >/dev/null 2>&1; then
                    printf "%s\tw%s\t%s-%s\n" "$2" "$k" "$1" "$k"; fi
                sleep 0.4; done' "$REG_CLIENT" "$node" "$C_WRITE_PATH/$node" "$C_NODE_FLAGS" \
                >>"$C_DIR/acked.$node" 2>/dev/null
        fi
        sleep 1
    done
}

# c_writers_pause: every powered node's writer idle (no write in flight); 1 when one is
# still busy after 30 s (a write stalled beyond its 20 s time-out).
c_writers_pause() {
    local node f deadline=$((SECONDS + 30))
    for node in $(c_nodes); do
        f=$LAB_DIR/$node/disk$C_NODE_FLAGS
        rm -f "$f/campaign-paused"
        : >"$f/campaign-pause"
    done
    for node in $(c_nodes); do
        f=$LAB_DIR/$node/disk$C_NODE_FLAGS/campaign-paused
        until [[ -e $f || $(lab power "$node") != on ]]; do
            ((SECONDS < deadline)) || { C_WHY="$node's registry writer busy for 30 s"; return 1; }
            sleep 0.2
        done
    done
}

c_writers_resume() {
    local node
    for node in $(c_nodes); do rm -f "$LAB_DIR/$node/disk$C_NODE_FLAGS/campaign-pause"; done
}

# c_acked FILE: every write acknowledged so far, from every node, into FILE.
c_acked() { cat "$C_DIR"/acked.node* >"$1" 2>/dev/null || : >"$1"; }

# --- the sampler: who has the volume mounted and the chain's members, every 50 ms -----
# Host-side, built-ins only but one pgrep per round. Prints at each change
# "EPOCHREALTIME v=<nodes with the volume> m=<nodes with members> p=<node:init ...>"
# (nodes as digits, "-" for none; p: the init of every powered node, to tell a stop from
# a power loss).

c_sampler_loop() {
    local parent=$1 n pause prev='' now i p vol mem pw ipid=()
    set +e
    n=$(lab_node_count)
    exec {pause}<> <(:)
    while [[ -e /proc/$parent ]]; do
        vol='' mem='' pw=''
        for ((i = 1; i <= n; i++)); do
            ipid[i]=
            read -r p _ <"$LAB_DIR/node$i/init.pid" 2>/dev/null || continue
            [[ -e /proc/$p/mountinfo ]] || continue
            ipid[i]=$p
            pw+="$i:$p,"
            mapfile -t lines <"/proc/$p/mountinfo" 2>/dev/null || continue
            if [[ " ${lines[*]} " == *" $CHAIN_MOUNT "* ]]; then vol+=$i; fi
        done
        for p in $(pgrep -x bl-test-member); do
            for ((i = 1; i <= n; i++)); do
                [[ -n ${ipid[i]} && $mem != *$i* ]] || continue
                if [[ /proc/$p/ns/pid -ef /proc/${ipid[i]}/ns/pid ]]; then mem+=$i; fi
            done
        done
        now="v=${vol:--} m=${mem:--} p=${pw%,}"
        if [[ $now != "$prev" ]]; then
            echo "$EPOCHREALTIME $now"
            prev=$now
        fi
        read -r -t 0.05 -u "$pause" _ || true
    done
}

# c_helpers_start: the sampler and one writer per node, in the background.
c_helpers_start() {
    : >"$C_DIR/running"
    c_sampler_loop "$$" >>"$C_DIR/sample.log" 2>/dev/null &
    C_HELPERS=($!)
    for node in $(c_nodes); do
        c_writer_loop "$node" "$$" &
        C_HELPERS+=($!)
    done
}

c_helpers_stop() {
    local p
    rm -f "$C_DIR/running"
    for p in "${C_HELPERS[@]}"; do
        pkill -KILL -P "$p" 2>/dev/null
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    C_HELPERS=()
}

# c_sample_now: the sampler's latest line.
c_sample_now() { tail -n 1 "$C_DIR/sample.log"; }

# --- settling --------------------------------------------------------------------------

# c_power_all_on: every node powered again (a fault that left one off, or a fence race
# that left both off).
c_power_all_on() {
    local node
    for node in $(c_nodes); do
        [[ $(lab power "$node") == on ]] || lab boot "$node" >/dev/null 2>&1 || true
    done
}

# c_disk_attached: the lab's shared disk is still on its loop device. Loop devices are the
# machine's, not the lab's: something outside the lab that detaches one by a stale name
# (seen twice while other test suites ran on the machine) takes the volume away from
# under the cluster, and that is not a finding about bmclink.
c_disk_attached() {
    [[ $LAB_DISK_KIND != loop ]] ||
        [[ $(losetup -n -O NAME -j "$LAB_DIR/shared-disk.img" 2>/dev/null | head -n 1) == "$LAB_DISK_DEV" ]]
}

# c_settle TIMEOUT: every node online, no pending action, the chain on exactly one node,
# every replica in sync. 1 with C_WHY when that does not happen in TIMEOUT s.
c_settle() {
    local deadline=$((SECONDS + $1)) node s
    C_WHY=
    until lab wait 5 >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { C_WHY="nodes not all online"; return 1; }
        c_power_all_on
        sleep 1
    done
    until lab x node1 crm_resource --wait --timeout=10s >/dev/null 2>&1 &&
        resource_started esm-chain &&
        [[ $(c_sample_now) =~ \ v=([0-9])\ m=([0-9])\  && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]; do
        c_disk_attached || error "ENVIRONMENT: the lab's loop device $LAB_DISK_DEV was detached" \
            "by something outside the lab (losetup -a: $(losetup -a | paste -sd' ' -))"
        ((SECONDS < deadline)) || { C_WHY="the chain is not running on exactly one node"; return 1; }
        sleep 1
    done
    for node in $(c_nodes); do
        until reg_in_sync "$node"; do
            s=$(reg_state "$node")
            ((SECONDS < deadline)) || { C_WHY="$node's registry not in sync ($s)"; return 1; }
            sleep 1
        done
    done
}

# c_chain_at: the digit of the node the sampler sees the chain on now (empty: none or two).
c_chain_at() { [[ $(c_sample_now) =~ \ v=([0-9])\ m=([0-9])\  ]] && echo "${BASH_REMATCH[2]}"; }

# c_thaw_all: SIGCONT to every lab process left stopped (a fault cut short).
c_thaw_all() {
    local p st
    for p in $(ip netns pids bl-n1 2>/dev/null) $(ip netns pids bl-n2 2>/dev/null) \
        $(ip netns pids bl-n3 2>/dev/null) $(ip netns pids bl-b1 2>/dev/null) \
        $(ip netns pids bl-b2 2>/dev/null) $(ip netns pids bl-b3 2>/dev/null); do
        read -r _ _ st _ 2>/dev/null <"/proc/$p/stat" || continue
        [[ $st != T ]] || kill -CONT "$p" 2>/dev/null
    done
}

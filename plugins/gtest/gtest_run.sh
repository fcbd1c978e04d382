# The shell half of offload's gtest framework, second part: running a batch. It follows
# gtest_common.sh in a batch's command, whose functions it uses.

# offload_encode: stdin percent-encoded for a record value (docs/test-protocol.md), on stdout.
offload_encode() {
    sed 's/%/%25/g; s/ /%20/g; s/	/%09/g; s/\r/%0D/g' | sed ':a
N
$!ba
s/\n/%0A/g'
}

# offload_filter NAMES: the --gtest_filter that selects NAMES (one a line): each name, with
# GoogleTest's filter characters (-*?:, which no C++ name holds but a case registered at run time
# may) replaced by the wildcard ?, which matches them too; joined with ':'.
offload_filter() {
    offload_patterns=$(printf '%s\n' "$1" | sed 's/[-*?:]/?/g' | tr '\n' ':')
    printf '%s' "${offload_patterns%:}"
}

# offload_process NAMES [EXTRA_ARG...]: runs the cases NAMES in one process of $offload_binary,
# its output streamed and kept in $offload_dir/out, and appends the frames `exit`, `output`, and
# `xml` (GoogleTest's report) when the process got to its end and wrote it; then returns 0.
offload_process() {
    offload_selected=$(offload_filter "$1")
    shift
    rm -f "$offload_dir/run.xml" "$offload_dir/code"
    {
        "$offload_binary" "--gtest_filter=$offload_selected" "--gtest_output=xml:$offload_dir/run.xml" \
            --gtest_color=no --gtest_brief=0 "$@" 2>&1 </dev/null
        printf '%s' "$?" >"$offload_dir/code"
    } | tee "$offload_dir/out"
    offload_code=$(cat "$offload_dir/code" 2>/dev/null || echo 1)
    offload_frame_text exit "$offload_code" >>"$offload_result"
    offload_frame output "$offload_dir/out" >>"$offload_result"
    if [ -f "$offload_dir/run.xml" ]; then
        offload_frame xml "$offload_dir/run.xml" >>"$offload_result"
        [ "$offload_code" = 0 ] || [ "$offload_status" != 0 ] || offload_status=$offload_code
        return 0
    fi
    # The batch's status is the first death's: a batch whose cases all pass in the end but in which
    # a process died is not vouched for.
    if [ "$offload_crashed" = false ]; then
        offload_crashed=true
        offload_status=$offload_code
        [ "$offload_status" != 0 ] || offload_status=1
    fi
    return 1
}

# offload_charge NAME: NAME died in a process that ran it alone: reported failed with records
# (start, its output again, end), and a `crashed` frame.
offload_charge() {
    offload_frame_text crashed "$1" >>"$offload_result"
    offload_id=$offload_prefix$(printf '%s' "$1" | offload_encode)
    if [ "$offload_code" -gt 128 ] 2>/dev/null; then
        offload_how="killed by signal $((offload_code - 128))"
    else
        offload_how="exit code $offload_code"
    fi
    printf '\n%s start id=%s\n' "$offload_mark" "$offload_id"
    printf 'offload: the output of %s, run alone, up to its crash:\n' "$1"
    cat "$offload_dir/out"
    printf '\n%s end id=%s outcome=failed message=%s\n' "$offload_mark" "$offload_id" \
        "$(printf 'crashed: its GoogleTest process died (%s) while it ran' "$offload_how" | offload_encode)"
}

# offload_run RESULT_FILE BINARY ID_PREFIX NAMES [EXTRA_ARG...]: runs the cases NAMES (one a line)
# of BINARY in one process and appends to RESULT_FILE the frames `binary`, then `missing`, or
# those of each process (see offload_process) and `crashed`; then `done` once every case has a
# result there, or none can be had here (offload runs the cases without one again).
# A process that dies without its report took every result with it, and the lines it printed are
# no evidence (a case can print `[       OK ]` or `[ RUN      ]` lines). The case its last
# `[ RUN      ]` line names runs alone: if it dies again it is charged with the crash (records,
# with ID_PREFIX + its name percent-encoded), else its own report stands; then the other cases
# run again in a new process, those that had finished included. When that line names no case left,
# each case left runs alone. So every result comes from a report GoogleTest wrote, or from a death
# of a process that ran that case alone.
offload_run() {
    offload_result=$1
    offload_frame_text binary "$2" >>"$offload_result"
    if [ ! -f "$2" ]; then
        printf 'offload: the GoogleTest binary %s does not exist in %s\n' "$2" "$(pwd)"
        offload_frame_text missing "" >>"$offload_result"
        [ "$offload_status" != 0 ] || offload_status=127
        return
    fi
    offload_binary=$(offload_executable "$2")
    offload_prefix=$3 offload_pending=$4
    shift 4
    offload_cases "$@"
    offload_frame_text done "" >>"$offload_result"
}

# offload_cases [EXTRA_ARG...]: offload_run's work on $offload_pending.
offload_cases() {
    while [ -n "$offload_pending" ]; do
        offload_process "$offload_pending" "$@" && return
        # Without the mark no case can be charged: offload runs them all again itself.
        [ -n "$offload_mark" ] || return
        offload_suspect=$(sed -n 's/.*\[ RUN      \] //p' "$offload_dir/out" | tail -n 1)
        if [ -n "$offload_suspect" ] && printf '%s\n' "$offload_pending" | grep -Fqx -e "$offload_suspect"; then
            offload_process "$offload_suspect" "$@" || offload_charge "$offload_suspect"
            offload_pending=$(printf '%s\n' "$offload_pending" | grep -Fxv -e "$offload_suspect")
            continue
        fi
        offload_ifs=$IFS
        IFS='
'
        set -f
        for offload_name in $offload_pending; do
            offload_process "$offload_name" "$@" || offload_charge "$offload_name"
        done
        set +f
        IFS=$offload_ifs
        return
    done
}

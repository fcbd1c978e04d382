# The shell half of offload's gtest framework, first part: what discovery and batches share, and
# the listing. The plugin appends the calls, with every word quoted for sh, and sends the text
# without its comments. POSIX sh; needs mktemp, wc, tee, sed, grep (offload_gtest_run.sh: the rest).
#
# Everything the plugin reads comes back in *frames* that test output cannot imitate: a header line
# `@offload-gtest KIND BYTES`, then exactly BYTES bytes, then a line feed. Discovery prints its
# frames on stdout (its output is nothing else); a batch appends them to its result file, while
# the tests' own output streams on as usual.

offload_dir=$(mktemp -d "${TMPDIR:-/tmp}/offload-gtest.XXXXXX") || exit 1
trap 'rm -rf "$offload_dir"' EXIT
# The mark of test-protocol records stays with this script: the tests never see it.
offload_mark=${OFFLOAD_EVENT_MARK-}
unset OFFLOAD_EVENT_MARK
# GoogleTest reads its flags from the environment too: these would change what runs or is written.
unset GTEST_FILTER GTEST_OUTPUT GTEST_TOTAL_SHARDS GTEST_SHARD_INDEX GTEST_BRIEF GTEST_REPEAT GTEST_LIST_TESTS
offload_status=0
offload_crashed=false

# offload_frame KIND FILE: FILE's bytes as a frame, on stdout.
offload_frame() {
    printf '@offload-gtest %s %s\n' "$1" "$(wc -c <"$2" | tr -d ' ')"
    cat "$2"
    printf '\n'
}

# offload_frame_text KIND TEXT
offload_frame_text() {
    printf '%s' "$2" >"$offload_dir/text"
    offload_frame "$1" "$offload_dir/text"
}

# offload_executable PATH: the path to exec (./name for a bare name, which sh would look up in PATH).
offload_executable() {
    case $1 in
    */*) printf '%s' "$1" ;;
    *) printf './%s' "$1" ;;
    esac
}

# offload_list BINARY [EXTRA_ARG...]: frames `binary`, then `missing`, or `exit`, `output` and, when
# the binary wrote one (a GoogleTest binary does), `listing`: GoogleTest's XML listing.
offload_list() {
    offload_frame_text binary "$1"
    if [ ! -f "$1" ]; then
        offload_frame_text missing ""
        return
    fi
    offload_binary=$(offload_executable "$1")
    shift
    rm -f "$offload_dir/list.xml"
    "$offload_binary" --gtest_list_tests "--gtest_output=xml:$offload_dir/list.xml" "$@" \
        >"$offload_dir/out" 2>&1 </dev/null
    offload_frame_text exit "$?"
    offload_frame output "$offload_dir/out"
    if [ -f "$offload_dir/list.xml" ]; then
        offload_frame listing "$offload_dir/list.xml"
    fi
}


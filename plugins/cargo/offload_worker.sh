# offload's cargo worker (docs/test-protocol.md): reads `run id=ID` lines on stdin and runs each
# test in a process of its own, as cargo-nextest does, reporting it with framed records.
#
# POSIX sh (dash, busybox ash, bash), awk and coreutils: sandboxes may be ssh hosts or containers
# with nothing else. The cargo plugin embeds this file and runs it as
#   sh -c SCRIPT offload-cargo-worker OPTIONS
# with OPTIONS:
#   --cargo WORDS     the cargo command, shell words as the user configured them
#   --common WORDS    what follows it in every call, quoted: `test --color never --features ...`
#   --build WORDS     build the test targets this selects before the first test, quoted
#                     (`--workspace`, `--package 'p' --lib --test 'api'`); without it nothing is
#                     built (only doc tests are expected, and cargo builds those when they run)
#   --workspace       doc tests of ids without a PACKAGE/ prefix come from the whole workspace
#   --package NAME    ... or from this package
#   --include-ignored run #[ignore] tests too
#
# How a test ends is taken from what its own process cannot fake: the exit status of the test
# binary run alone (`EXE --exact NAME`), cross-checked with libtest's summary line. A line the test
# prints can never turn a non-zero exit into a pass. Doc tests run through `cargo test --doc`
# with a filter (rustdoc cannot take an exact name); there, every libtest result line and summary
# must add up with cargo's exit status before a pass is believed.

# shellcheck disable=SC2016,SC2086,SC2317,SC1090
# (programs in single quotes; optional flags expanded unquoted, without globbing: set -f;
# functions called through capture; environment files written by this script)
set -f
cargo_words=cargo common_words=test build_words='' build=no workspace='' default_package='' include_ignored=''
while [ $# -gt 0 ]; do
    case $1 in
    --cargo) cargo_words=$2; shift ;;
    --common) common_words=$2; shift ;;
    --build) build_words=$2; build=yes; shift ;;
    --workspace) workspace=--workspace ;;
    --package) default_package=$2; shift ;;
    --include-ignored) include_ignored=--include-ignored ;;
    *) echo "offload cargo worker: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

mark=${OFFLOAD_EVENT_MARK-}
unset OFFLOAD_EVENT_MARK   # no test, nor anything it starts, may see it
if [ -z "$mark" ]; then
    echo "offload cargo worker: OFFLOAD_EVENT_MARK is not set; offload sets it for the workers it starts" >&2
    exit 2
fi
tab=$(printf '\t')
cr=$(printf '\r')
newline='
'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/offload-cargo.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

cargo_call() {
    eval "$cargo_words"' "$@"'
}

# The value CARGO has when cargo runs a test: the cargo command itself.
cargo_path=${CARGO-}
case $cargo_words in
*[!A-Za-z0-9_./+-]*) ;;
*) [ -n "$cargo_path" ] || cargo_path=$(command -v "$cargo_words" 2>/dev/null) ;;
esac

# --- reading cargo's JSON messages ---------------------------------------------------------------
# From `cargo test --no-run --message-format=json-render-diagnostics`: every test executable, as
#   PACKAGE <tab> SPEC <tab> EXECUTABLE <tab> ENV-FILE
# in $tmp/targets (SPEC as in test ids: lib, bin(cli), test(api)...), and for each one a shell
# snippet that sets up what cargo gives a test it runs: the package's directory as the working
# directory, CARGO_MANIFEST_DIR, CARGO_PKG_NAME, CARGO_PKG_VERSION..., OUT_DIR and the variables of
# the package's build script, and LD_LIBRARY_PATH with the target directory's libraries.
# cargo writes each message on one line, keys in a fixed order, strings JSON-escaped.
artifacts_program='
# s with every from replaced by to. (Backslashes in the replacement of gsub differ between awks.)
function replace(s, from, to,    out, at) {
    out = ""
    while ((at = index(s, from)) > 0) {
        out = out substr(s, 1, at - 1) to
        s = substr(s, at + length(from))
    }
    return out s
}
function unjson(s) {
    s = replace(s, "\\\\", "\001")
    s = replace(replace(replace(s, "\\\"", "\""), "\\/", "/"), "\\n", "\n")
    s = replace(replace(s, "\\t", "\t"), "\\r", "\r")
    return replace(s, "\001", "\\")
}
function jstring(s, key) {
    if (!match(s, "\"" key "\":\"([^\"\\\\]|\\\\.)*\""))
        return ""
    return unjson(substr(s, RSTART + length(key) + 4, RLENGTH - length(key) - 5))
}
function after(s, text,    at) {
    at = index(s, text)
    return at ? substr(s, at + length(text)) : ""
}
# The strings of the JSON array that starts s (after its "["), unescaped, into list; their count.
# What follows the array is left in array_end.
function jarray(s, list,    n) {
    n = 0
    while (match(s, /^"([^"\\]|\\.)*"/)) {
        list[++n] = unjson(substr(s, 2, RLENGTH - 2))
        s = substr(s, RLENGTH + 1)
        if (substr(s, 1, 1) != ",")
            break
        s = substr(s, 2)
    }
    array_end = substr(s, 1, 1) == "]" ? substr(s, 2) : ""
    return n
}
function quote(s) {
    return "\047" replace(s, "\047", "\047\\\047\047") "\047"
}
function dirname(path) {
    sub(/\/[^\/]*$/, "", path)
    return path
}
# "path+file:///x/demo#0.1.0", "path+file:///x/demo#demo@0.1.0", "registry+https://...#serde@1.0.1",
# or before cargo 1.77 "demo 0.1.0 (path+file:///x/demo)": sets package and version.
function package_of(id,    fragment, source, words) {
    if (index(id, "#")) {
        fragment = substr(id, index(id, "#") + 1)
        source = substr(id, 1, index(id, "#") - 1)
        if (index(fragment, "@")) {
            package = substr(fragment, 1, index(fragment, "@") - 1)
            version = substr(fragment, index(fragment, "@") + 1)
        } else {
            sub(/\?.*/, "", source)
            sub(/\/+$/, "", source)
            sub(/.*\//, "", source)
            package = source
            version = fragment
        }
    } else {
        split(id, words, " ")
        package = words[1]
        version = words[2]
    }
}
/"reason":"build-script-executed"/ {
    id = jstring($0, "package_id")
    out_dir[id] = jstring($0, "out_dir")
    n = jarray(after($0, "\"linked_paths\":["), list)
    for (i = 1; i <= n; i++) {
        path = list[i]
        if (path ~ /^(native|dependency|crate|all|framework)=/)
            path = substr(path, index(path, "=") + 1)
        linked[++linked_count] = path
    }
    # [["NAME","value"],...]
    rest = after($0, "\"env\":[")
    while (substr(rest, 1, 1) == "[") {
        n = jarray(substr(rest, 2), list)
        if (n == 2 && list[1] ~ /^[A-Za-z_][A-Za-z0-9_]*$/) {
            env_names[id] = env_names[id] " " list[1]
            env_values[id] = env_values[id] list[1] "=" quote(list[2]) "\n"
        }
        rest = array_end
        if (substr(rest, 1, 1) == ",")
            rest = substr(rest, 2)
    }
    next
}
/"reason":"compiler-artifact"/ {
    target = after($0, "\"target\":{")
    if (!jarray(after(target, "\"kind\":["), list))
        next
    kind = list[1]
    profile = after($0, "\"profile\":{")
    profile = substr(profile, 1, index(profile, "}"))
    executable = jstring($0, "executable")
    if (executable == "" || profile !~ /"test":true/)
        next
    if (kind ~ /^(lib|rlib|dylib|cdylib|staticlib|proc-macro)$/)
        spec = "lib"
    else if (kind ~ /^(bin|test|example|bench)$/)
        spec = kind "(" jstring(target, "name") ")"
    else
        next
    count++
    package_ids[count] = jstring($0, "package_id")
    manifest[count] = jstring($0, "manifest_path")
    exe[count] = executable
    specs[count] = spec
}
END {
    for (i = 1; i <= count; i++) {
        package_of(package_ids[i])
        file = dir "/env." i
        print package "\t" specs[i] "\t" exe[i] "\t" file > (dir "/targets")
        version_core = version
        sub(/[-+].*/, "", version_core)
        split(version_core, parts, ".")
        pre = substr(version, length(version_core) + 1)
        if (substr(pre, 1, 1) == "-")
            pre = substr(pre, 2)
        else
            pre = ""
        sub(/\+.*/, "", pre)
        # As cargo: the libraries build scripts put inside the target directory, then the
        # directory of the executables, then deps/.
        deps = dirname(exe[i])
        root = dirname(deps)
        libraries = ""
        for (j = 1; j <= linked_count; j++)
            if (substr(linked[j], 1, length(root) + 1) == root "/" && !seen[i, linked[j]]++)
                libraries = libraries linked[j] ":"
        libraries = libraries root ":" deps
        print "cd " quote(dirname(manifest[i])) " || exit 126" > file
        print "CARGO_MANIFEST_DIR=" quote(dirname(manifest[i])) > file
        print "CARGO_MANIFEST_PATH=" quote(manifest[i]) > file
        print "CARGO_PKG_NAME=" quote(package) > file
        print "CARGO_PKG_VERSION=" quote(version) > file
        print "CARGO_PKG_VERSION_MAJOR=" quote(parts[1]) > file
        print "CARGO_PKG_VERSION_MINOR=" quote(parts[2]) > file
        print "CARGO_PKG_VERSION_PATCH=" quote(parts[3]) > file
        print "CARGO_PKG_VERSION_PRE=" quote(pre) > file
        print "LD_LIBRARY_PATH=" quote(libraries) "${LD_LIBRARY_PATH:+\":$LD_LIBRARY_PATH\"}" > file
        names = "CARGO_MANIFEST_DIR CARGO_MANIFEST_PATH CARGO_PKG_NAME CARGO_PKG_VERSION CARGO_PKG_VERSION_MAJOR" \
                " CARGO_PKG_VERSION_MINOR CARGO_PKG_VERSION_PATCH CARGO_PKG_VERSION_PRE LD_LIBRARY_PATH"
        if (out_dir[package_ids[i]] != "") {
            print "OUT_DIR=" quote(out_dir[package_ids[i]]) > file
            names = names " OUT_DIR"
        }
        printf "%s", env_values[package_ids[i]] > file
        print "export " names env_names[package_ids[i]] > file
        close(file)
    }
    close(dir "/targets")
}
'

# --- reading what a test printed -----------------------------------------------------------------
# Input: the test's output. ENVIRON["OFFLOAD_TEST_NAME"]: its libtest name. -v mode=exe|doc,
# status (the exit status of the test binary, or of cargo for doc tests), signal (its name when
# the status says a signal killed it), started and ended (`date +%s.%N`, or empty).
# Prints the `end` record's keys after the id: "outcome=... secs=... message=...".
verdict_program='
function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}
# libtest prints some names with a note: "test x - should panic ... ok".
function plain(name) {
    sub(/ - (should panic|compile fail)$/, "", name)
    return name
}
function outcome_of(result) {
    if (result == "ok")
        return "passed"
    if (result == "FAILED")
        return "failed"
    if (result == "ignored" || substr(result, 1, 9) == "ignored, ")
        return "skipped"
    return ""
}
function severity(outcome) {
    return outcome == "failed" ? 3 : outcome == "passed" ? 2 : outcome == "skipped" ? 1 : 0
}
# Two result lines for one test combine as two `end`s do: the more severe wins, so a line printed
# by the test (or a process it started) can never cover a failure.
function record_result(test, result,    outcome) {
    outcome = outcome_of(result)
    if (outcome == "")
        return 0
    if (severity(outcome) > severity(results[test])) {
        results[test] = outcome
        reason[test] = outcome == "skipped" && length(result) > 9 ? substr(result, 10) : ""
    }
    return 1
}
# The count before word in a "test result: " line: "1 passed; 0 failed; ..."
function count_of(line, word,    at) {
    at = index(line, " " word)
    if (!at)
        return 0
    line = substr(line, 1, at - 1)
    sub(/.* /, "", line)
    return line + 0
}
function last_index(s, text,    at, found) {
    found = 0
    while ((at = index(substr(s, found + 1), text)) > 0)
        found += at
    return found
}
# A short reason from a failed test output: its panic message and where it panicked, else its
# first line (the same as libtest_output.cpp).
function failure_message(lines, n,    i, j, at, rest, message, part, end) {
    for (i = 1; i <= n; i++) {
        if (substr(lines[i], 1, 8) != "thread \047" || !(at = index(lines[i], " panicked at ")))
            continue
        rest = substr(lines[i], at + 13)
        if (substr(rest, 1, 1) == "\047") {
            # Rust before 1.73: panicked at \047message\047, src/lib.rs:12:5, the message maybe over
            # several lines.
            message = ""
            rest = substr(rest, 2)
            for (j = i; j <= n; j++) {
                part = j == i ? rest : trim(lines[j])
                end = last_index(part, "\047, ")
                if (end && index(substr(part, end), ":"))
                    return message substr(part, 1, end - 1) " (at " substr(part, end + 3) ")"
                message = message part " "
            }
            return rest
        }
        # Since 1.73: panicked at src/lib.rs:12:5:\nmessage
        sub(/:$/, "", rest)
        if (i < n && trim(lines[i + 1]) != "")
            return lines[i + 1] " (at " rest ")"
        return "panicked at " rest
    }
    for (i = 1; i <= n; i++)
        if (trim(lines[i]) != "")
            return trim(lines[i])
    return ""
}
# Appends line to lines[1..count] and returns the new count; only the last 5000 to 10000 lines
# stay (where a panic is), so that a test printing without end does not fill the memory.
function keep(lines, count, line,    i) {
    lines[++count] = line
    if (count == 10000) {
        for (i = 1; i <= 5000; i++)
            lines[i] = lines[i + 5000]
        for (i = 5001; i <= 10000; i++)
            delete lines[i]
        count = 5000
    }
    return count
}
function finish(outcome, message,    secs, text) {
    text = "outcome=" outcome
    if (started ~ /^[0-9]+\.[0-9]+$/ && ended ~ /^[0-9]+\.[0-9]+$/) {
        secs = ended - started
        text = text " secs=" sprintf("%.6f", secs < 0 ? 0 : secs)
    }
    gsub(/[\t\r\n]/, " ", message)
    if (length(message) > 600)
        message = substr(message, 1, 600) "..."
    gsub(/%/, "%25", message)
    gsub(/ /, "%20", message)
    if (message != "")
        text = text " message=" message
    print text
    exit 0
}
BEGIN {
    name = ENVIRON["OFFLOAD_TEST_NAME"]
    status += 0
}
{
    sub(/\r$/, "")
    line = $0
    output_count = keep(output, output_count, line)
    if (in_section) {
        if (line == "failures:" || line == "successes:" || substr(line, 1, 13) == "test result: " ||
            line ~ /^---- .* stdout ----$/) {
            in_section = 0
        } else {
            if (section_is_ours)
                section_count = keep(section, section_count, line)
            next
        }
    }
    if (line ~ /^---- .* stdout ----$/) {
        in_section = 1
        section_is_ours = plain(substr(line, 6, length(line) - 17)) == name
        if (section_is_ours)
            section_count = 0
        pending = ""
        in_failures = 0
        next
    }
    if (in_failures) {
        # "failures:", then after the sections "failures:" again and "    NAME" per failed test.
        if (line ~ /^    / && trim(line) != "") {
            record_result(plain(trim(line)), "FAILED")
            next
        }
        in_failures = trim(line) == ""
    }
    if (substr(line, 1, 5) == "test " && (at = index(line, " ... "))) {
        # "test NAME ... RESULT". With one test thread libtest prints the name when the test starts
        # and the result when it ends, and what the test printed past its capture goes in between:
        # the result then comes on a line of its own, perhaps after lines of the test that look
        # like results. Each bare result counts for that test until libtest starts another.
        test = plain(substr(line, 6, at - 6))
        if (!(test in results))
            results[test] = ""
        if (!record_result(test, substr(line, at + 5)))
            pending = test
        next
    }
    if (pending != "" && record_result(pending, trim(line)))
        next
    if (line == "failures:" || line == "successes:") {
        pending = ""
        in_failures = line == "failures:"
    } else if (substr(line, 1, 13) == "test result: ") {
        pending = ""
        summaries++
        summary = line
        passed += count_of(line, "passed;")
        failed += count_of(line, "failed;")
        ignored += count_of(line, "ignored;")
        last_passed = count_of(line, "passed;")
        last_failed = count_of(line, "failed;")
        last_ignored = count_of(line, "ignored;")
    } else if (line ~ /^running [0-9]+ tests?$/) {
        pending = ""
        running++
    } else if (first_error == "" && line ~ /^error(:|\[)/) {
        first_error = line
    }
}
function panic_message(    message, at) {
    message = section_count ? failure_message(section, section_count) : ""
    if (message == "") {
        # No section of its own: the output was not captured (--nocapture), or the process died.
        for (i = 1; i <= output_count; i++)
            if (substr(output[i], 1, 8) == "thread \047" && index(output[i], " panicked at "))
                return failure_message(output, output_count)
    }
    # Rust before 1.73 reports a test that returned Err with a panic in libtest; the reason is the
    # "Error: ..." the test printed, maybe after "test NAME ... " on the same line.
    if (index(message, "returned a termination value with a non-zero"))
        for (i = 1; i <= output_count; i++)
            if ((at = index(output[i], "Error: ")))
                return substr(output[i], at)
    return message
}
function ignored_message(test) {
    return reason[test] == "" ? "ignored" : "ignored: " reason[test]
}
END {
    if (mode == "doc")
        doc_verdict()
    exe_verdict()
}
# One test alone in its binary: the exit status says whether it failed; libtest summary says
# whether it ran, was ignored, or was not found.
function exe_verdict(    message) {
    if (status == 0) {
        if (!summaries)
            finish("error", "the test process exited with status 0 before libtest printed its summary: did the test end the process itself (std::process::exit)?")
        if (last_passed == 1 && last_failed == 0 && last_ignored == 0)
            finish("passed", "")
        if (last_ignored == 1 && last_passed == 0 && last_failed == 0)
            finish("skipped", ignored_message(name))
        if (last_passed + last_failed + last_ignored == 0)
            finish("error", "not found in the test binary: renamed or removed since discovery?")
        finish("error", "the test process exited with status 0 but libtest says: " summary)
    }
    message = panic_message()
    if (status == 101)
        finish("failed", message != "" ? message : "the test process exited with status 101")
    if (signal != "")
        finish("failed", "the test process was killed by SIG" signal " (exit status " status ")" (message != "" ? ": " message : ""))
    finish("failed", "the test process exited with status " status (message != "" ? ": " message : ""))
}
# A doc test, among the others cargo test --doc FILTER selected. Believed only when its own line
# says so and every result line, libtest summary and the exit status of cargo agree.
function doc_verdict(    outcome, message, counted, test, agree) {
    for (test in results)
        counted[results[test]]++
    agree = summaries && passed == counted["passed"] + 0 && failed == counted["failed"] + 0 && ignored == counted["skipped"] + 0
    agree = agree && (status == 0 && failed == 0 || status == 101 && failed > 0)
    if (!(name in results) || results[name] == "") {
        if (status != 0 && !running)
            finish("error", "`cargo test --doc` failed with exit status " status " before running doc tests" (first_error != "" ? ": " first_error : ""))
        if (agree)
            finish("error", "not found among the doc tests: renamed or removed since discovery?")
        finish("error", "`cargo test --doc` exited with status " status " and libtest reported no result for this doc test")
    }
    outcome = results[name]
    if (outcome == "failed") {
        message = panic_message()
        finish("failed", message != "" ? message : "failed")
    }
    if (agree)
        finish(outcome, outcome == "skipped" ? ignored_message(name) : "")
    finish("error", "this doc test reported " (outcome == "passed" ? "ok" : "ignored") " but it cannot be believed: `cargo test --doc` exited with status " status ", libtest counted " passed " passed, " failed " failed, " ignored " ignored over " summaries " summaries, and its result lines say " counted["passed"] + 0 " passed, " counted["failed"] + 0 " failed, " counted["skipped"] + 0 " ignored")
}
'

# --- test ids ------------------------------------------------------------------------------------
decode_program='
function hex(c) {
    return index("0123456789abcdef", tolower(c)) - 1
}
{
    s = $0
    out = ""
    while ((at = index(s, "%")) > 0) {
        out = out substr(s, 1, at - 1)
        code = substr(s, at + 1, 2)
        if (code ~ /^[0-9A-Fa-f][0-9A-Fa-f]$/ && code != "00") {
            out = out sprintf("%c", hex(substr(code, 1, 1)) * 16 + hex(substr(code, 2, 1)))
            s = substr(s, at + 3)
        } else {
            out = out "%"
            s = substr(s, at + 1)
        }
    }
    printf "%s", out s
}
'

# rustdoc splits every test argument at whitespace (rust-lang/rust#39789) and doc test names hold
# spaces, so a doc test is selected by one word of its name, as libtest_output.cpp does: the
# longest word of the item ("add" for "src/lib.rs - add (line 5)"), or "5)" for a crate's docs.
doc_filter_program='
BEGIN {
    name = ENVIRON["OFFLOAD_TEST_NAME"]
    dash = index(name, " - ")
    line = 0
    for (s = name; (at = index(s, " (line ")) > 0; s = substr(s, at + 1))
        line += at
    text = name
    if (dash && line && line >= dash + 2) {
        text = line > dash + 3 ? substr(name, dash + 3, line - dash - 3) : ""
        if (text !~ /[^ \t]/) {
            print substr(name, line + 7)
            exit
        }
    }
    n = split(text, words, /[ \t]+/)
    for (i = 1; i <= n; i++)
        if (length(words[i]) > length(longest))
            longest = words[i]
    print longest
}
'

record() {
    printf '%s %s\n' "$mark" "$1"
}

now() {
    date +%s.%N 2>/dev/null
}

# Runs a test's command ("$@") with its output to the worker's stdout and to $tmp/output, and
# sets status. The output goes through a named pipe, which processes the test started may keep
# open after it ended (cargo test does not wait for them either): the copier is given 2 s to see
# the end of the output, then stopped, so that such a process cannot hold up the worker; the
# next test then gets a new pipe, so that it cannot write into that test's output either. The
# copier tells that it is done by a line on fd 9, a pipe the worker holds open ($tmp/copied); the
# wait for that line is bounded by timeout.
pipe=
capture() {
    : >"$tmp/output"
    if [ -z "$pipe" ]; then
        pipe=$tmp/output.$count
        mkfifo "$pipe" || { status=125; return; }
    fi
    (
        trap 'kill $tee_pid 2>/dev/null; exit 1' TERM
        tee "$tmp/output" <"$pipe" 9>&- &
        tee_pid=$!
        wait $tee_pid
        echo "$count" >&9
    ) &
    copier=$!
    "$@" >"$pipe" 2>&1 </dev/null 9>&-
    status=$?
    if ! timeout 2 sh -c 'while read -r copied; do [ "$copied" != "$1" ] || exit 0; done; exit 1' \
        offload-cargo-worker "$count" <&9; then
        kill $copier 2>/dev/null
        pipe=
        echo
        echo "offload: processes the test started still held its output open 2 s after it ended; stopped reading it"
    fi
    wait $copier
}

run_executable() {   # ENV-FILE EXECUTABLE NAME
    (
        . "$1"
        [ -z "$cargo_path" ] || { CARGO=$cargo_path; export CARGO; }
        exec "$2" --exact "$3" --color never $include_ignored
    )
}

run_doc_test() {   # PACKAGE-OR-EMPTY FILTER
    doc_package=$1 doc_filter=$2
    eval "set -- $common_words --doc"
    if [ -n "$doc_package" ]; then
        set -- "$@" --package "$doc_package"
    elif [ -n "$default_package" ]; then
        set -- "$@" --package "$default_package"
    else
        set -- "$@" $workspace
    fi
    cargo_call "$@" -- --color never "$doc_filter" $include_ignored
}

# Prints the end record of a test that did not run, with message $1.
not_run() {
    record "end id=$encoded outcome=error message=$(printf '%s' "$1" | sed "s/%/%25/g; s/ /%20/g; s/$tab/%09/g")"
}

if [ $build = yes ]; then
    eval "set -- $common_words --no-run --message-format=json-render-diagnostics $build_words"
    # The compiler's messages go to stderr as they come; offload reports a worker that exits
    # before its first test with them.
    cargo_call "$@" >"$tmp/messages" </dev/null || {
        status=$?
        echo "offload cargo worker: building the tests failed (exit status $status): $cargo_words $*" >&2
        exit $status
    }
fi
: >"$tmp/targets"
[ ! -s "$tmp/messages" ] || LC_ALL=C awk -v dir="$tmp" "$artifacts_program" "$tmp/messages"

mkfifo "$tmp/copied" && exec 9<>"$tmp/copied" || exit 1

record "hello version=1"
count=0
# Asks for each test (`next`) when it can run it: offload commits none to this worker ahead of time.
while record next && { IFS= read -r line || [ -n "$line" ]; }; do
    line=${line%"$cr"}
    case $line in 'run '*) ;; *) continue ;; esac
    encoded=
    for word in ${line#run }; do
        case $word in id=*) encoded=${word#id=} ;; esac
    done
    [ -n "$encoded" ] || continue
    case $encoded in
    *%*) id=$(printf '%s\n' "$encoded" | LC_ALL=C awk "$decode_program") ;;
    *) id=$encoded ;;
    esac
    count=$((count + 1))
    record "start id=$encoded"

    # [PACKAGE/]TARGET::NAME (test_ids.hpp)
    spec=${id%%::*}
    name=${id#*::}
    package=
    case $spec in */*) package=${spec%%/*}; spec=${spec#*/} ;; esac
    case $id in
    *::?*) ;;
    *) spec='?' ;;
    esac
    case $package in *[!A-Za-z0-9_-]*) spec='?' ;; esac
    case $spec in
    lib | doc | bin\(?*\) | test\(?*\) | example\(?*\) | bench\(?*\)) ;;
    *)
        not_run "not a cargo test id (expected [PACKAGE/]TARGET::NAME, e.g. lib::tests::adds)"
        continue
        ;;
    esac

    if [ "$spec" = doc ]; then
        filter=$(OFFLOAD_TEST_NAME=$name awk "$doc_filter_program")
        started=$(now)
        capture run_doc_test "$package" "$filter"
        ended=$(now)
        mode=doc
    else
        # The executables of the target; a package prefix picks one. Without a prefix several
        # packages of a workspace may have it (all but one without tests): the one that lists it.
        found=
        matches=$(awk -F "$tab" -v spec="$spec" -v package="$package" \
            '$2 == spec && (package == "" || $1 == package)' "$tmp/targets")
        case $matches in
        *"$newline"*)
            while IFS=$tab read -r _ _ executable env_file; do
                if "$executable" --list --format terse --exact "$name" </dev/null 2>/dev/null |
                    grep -F -x -q -e "$name: test" -e "$name: bench"; then
                    found=$executable found_env=$env_file
                    break
                fi
            done <<EOF
$matches
EOF
            ;;
        ?*)
            IFS=$tab read -r _ _ found found_env <<EOF
$matches
EOF
            ;;
        esac
        if [ -z "$found" ]; then
            case $matches in
            *"$newline"*) not_run "not found in the test binaries of $spec: renamed or removed since discovery?" ;;
            *) not_run "no test executable of ${package:+$package/}$spec was built: is the target still in Cargo.toml?" ;;
            esac
            continue
        fi
        if [ ! -x "$found" ]; then
            not_run "the test executable $found is gone: was the target directory cleaned meanwhile?"
            continue
        fi
        started=$(now)
        capture run_executable "$found_env" "$found" "$name"
        ended=$(now)
        mode=exe
    fi
    signal=
    if [ "$status" -gt 128 ]; then
        signal=$(kill -l $((status - 128)) 2>/dev/null)
    fi
    ending=$(OFFLOAD_TEST_NAME=$name LC_ALL=C awk -v mode=$mode -v status="$status" -v signal="$signal" \
        -v started="$started" -v ended="$ended" "$verdict_program" "$tmp/output")
    record "end id=$encoded ${ending:-outcome=error message=offload%20could%20not%20read%20the%20output}"
done
record "done count=$count"
exit 0

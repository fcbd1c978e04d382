# offload's go test reader: turns the events of `go test -json` (test2json, one JSON object a line)
# into the framed records of docs/test-protocol.md while the tests run, so that offload witnesses
# each top-level test start and end: a panic that ends the test binary then costs the tests after
# it nothing (offload runs them again elsewhere), and per-test time limits count from each start.
#
# POSIX awk (mawk, busybox, gawk in the C locale). The go plugin embeds this file and runs it as
#   go test -json ... 2>&1 | LC_ALL=C awk -v mark="$OFFLOAD_EVENT_MARK" PROGRAM
# Input lines that are not test2json events (the go command's own messages: build errors) pass
# through as output. test2json puts everything a test prints inside the "Output" string, escaped,
# so no line a test writes can be read as an event, let alone as a record (the mark is kept from
# the tests' environment by the command that starts this program).
#
# Ids are PACKAGE::TEST for top-level tests, examples and fuzz targets. A subtest (TEST/case) is
# part of its top-level test: its output goes to that test, and its failure fails that test.

function fail_parse() { bad = 1; return "" }

function skip_space() {
    while (at <= len && index(" \t\r\n", substr(text, at, 1)))
        at++
}

function hex_value(digits,    i, d, v) {
    v = 0
    for (i = 1; i <= 4; i++) {
        d = index("0123456789abcdef", tolower(substr(digits, i, 1)))
        if (d == 0)
            return fail_parse()
        v = v * 16 + d - 1
    }
    return v
}

# The UTF-8 bytes of code point cp; a NUL as the text \x00 (records are C strings).
function utf8(cp) {
    if (cp == 0) return "\\x00"
    if (cp < 128) return sprintf("%c", cp)
    if (cp < 2048) return sprintf("%c%c", 192 + int(cp / 64), 128 + cp % 64)
    if (cp < 65536)
        return sprintf("%c%c%c", 224 + int(cp / 4096), 128 + int(cp / 64) % 64, 128 + cp % 64)
    return sprintf("%c%c%c%c", 240 + int(cp / 262144), 128 + int(cp / 4096) % 64,
                   128 + int(cp / 64) % 64, 128 + cp % 64)
}

# The JSON string that starts at `at` (a double quote), decoded; `at` moves past it.
function json_string(    out, rest, c, cp, low) {
    out = ""
    at++
    while (at <= len) {
        rest = substr(text, at)
        if (!match(rest, /["\\]/))
            return fail_parse()
        out = out substr(rest, 1, RSTART - 1)
        at += RSTART
        if (substr(rest, RSTART, 1) == "\"")
            return out
        c = substr(text, at, 1)
        at++
        if (c == "n") out = out "\n"
        else if (c == "t") out = out "\t"
        else if (c == "r") out = out "\r"
        else if (c == "b") out = out "\b"
        else if (c == "f") out = out "\f"
        else if (c == "u") {
            cp = hex_value(substr(text, at, 4))
            at += 4
            if (cp >= 55296 && cp < 56320 && substr(text, at, 2) == "\\u") {
                low = hex_value(substr(text, at + 2, 4))
                if (low >= 56320 && low < 57344) {
                    cp = 65536 + (cp - 55296) * 1024 + (low - 56320)
                    at += 6
                }
            }
            out = out utf8(cp)
        } else out = out c
    }
    return fail_parse()
}

# Reads the line as one flat JSON object into event[KEY] (strings decoded, numbers and literals as
# written). False when it is not one.
function read_event(line,    key, c, start) {
    split("", event)
    text = line; len = length(line); at = 1; bad = 0
    skip_space()
    if (substr(text, at, 1) != "{")
        return 0
    at++
    skip_space()
    if (substr(text, at, 1) == "}")
        return 1
    while (!bad) {
        skip_space()
        if (substr(text, at, 1) != "\"")
            return 0
        key = json_string()
        skip_space()
        if (bad || substr(text, at, 1) != ":")
            return 0
        at++
        skip_space()
        c = substr(text, at, 1)
        if (c == "\"") {
            event[key] = json_string()
        } else {
            start = at
            while (at <= len && !index(",} \t\r\n", substr(text, at, 1)))
                at++
            if (at == start)
                return 0
            event[key] = substr(text, start, at - start)
        }
        skip_space()
        c = substr(text, at, 1)
        at++
        if (c == "}") {
            skip_space()
            return !bad && at > len
        }
        if (c != ",")
            return 0
    }
    return 0
}

function encode(value) {
    gsub(/%/, "%25", value)
    gsub(/ /, "%20", value)
    gsub(/\t/, "%09", value)
    gsub(/\r/, "%0D", value)
    gsub(/\n/, "%0A", value)
    return value
}

# One record, flushed at once: offload reads them as they come.
function record(verb, fields) {
    printf "%s %s%s\n", mark, verb, fields
    fflush()
}

# A test's output in pieces that keep each record well under the protocol's 4000 bytes.
function output_record(id, data) {
    while (length(data) > 900) {
        record("output", " id=" encode(id) " data=" encode(substr(data, 1, 900)))
        data = substr(data, 901)
    }
    if (data != "")
        record("output", " id=" encode(id) " data=" encode(data))
}

# The line that says why a test failed: a t.Error/t.Fatal line (`    file_test.go:12: ...`, a
# subtest's indented deeper) or a panic, the first one it printed.
function note_message(id, data,    line) {
    if (id in message)
        return
    line = data
    sub(/\n$/, "", line)
    if (line ~ /^[ \t]+[^ \t]+\.go:[0-9]+: / || line ~ /^panic: /) {
        sub(/^[ \t]+/, "", line)
        message[id] = substr(line, 1, 300)
    }
}

BEGIN {
    active = 0 # top-level tests running and not paused
    outcome["pass"] = "passed"
    outcome["fail"] = "failed"
    outcome["skip"] = "skipped"
}

{
    line = $0
    sub(/\r$/, "", line)
    if (!read_event(line) || !("Action" in event)) {
        print line
        fflush()
        next
    }
    action = event["Action"]
    test = ("Test" in event) ? event["Test"] : ""
    if (test == "") {
        # The package's own lines (`FAIL pkg 0.01s`, a build failure) are the batch's output.
        if (action == "output") {
            printf "%s", event["Output"]
            fflush()
        }
        next
    }
    top = test
    sub(/\/.*/, "", top)
    id = event["Package"] "::" top
    if (action == "output") {
        output_record(id, event["Output"])
        note_message(id, event["Output"])
        next
    }
    if (test != top)
        next
    # Before Go 1.20, test2json reads the test binary's plain output, so a test that prints
    # `=== RUN   TestOther` or `--- PASS: TestOther` makes an event of it. Top-level tests run one
    # at a time (a parallel one pauses, and they all resume after the last sequential one), so an
    # event that this order rules out is such a line, and is dropped: a test cannot start or end
    # another. The events go has to send for a test itself still count, and where it sends two
    # ends (a test that printed its own `--- PASS`), offload keeps the worse.
    if (action == "run") {
        if (active == 0 && !(id in state)) {
            state[id] = "running"
            active++
            record("start", " id=" encode(id))
        }
    } else if (action == "pause") {
        if (state[id] == "running") {
            state[id] = "paused"
            active--
        }
    } else if (action == "cont") {
        if (state[id] == "paused") {
            state[id] = "running"
            active++
        }
    } else if (action in outcome) {
        if (state[id] == "running") {
            state[id] = "ended"
            active--
        } else if (state[id] != "ended")
            next
        fields = " id=" encode(id) " outcome=" outcome[action]
        if (event["Elapsed"] ~ /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/)
            fields = fields " secs=" event["Elapsed"]
        if (action != "pass" && (id in message))
            fields = fields " message=" encode(message[id])
        record("end", fields)
    }
}

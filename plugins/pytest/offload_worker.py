"""offload's pytest worker: runs the tests named on stdin, reporting each one as it goes.

    OFFLOAD_EVENT_MARK=... python -c "$(cat offload_worker.py)" [PYTEST ARGUMENTS...] [-- PATHS...]

It speaks docs/test-protocol.md (version 1): it reads `run id=ID` lines, runs each test with
pytest's own protocol, in the order received, and writes `start`, `output`, `end` records for it,
then `done` at the end of its input. With OFFLOAD_WORKER_LIST=1 it first lists what it collected,
as offload's discovery command prints it (`list` and `listed` records). The pytest framework embeds this file in offload and sends it
as the program of `python -c`, so it needs nothing installed beside pytest, and only the standard
library before pytest: keep it that way (and Python 3.7 compatible, pytest 7's oldest).

Exit code: 0 after `done`, whatever the tests' outcomes; otherwise pytest's (usage error 4,
internal error 3, interrupted 2), or 3 when pytest ended without running the input.
"""
import os
import re
import sys

# A record is one write() of at most this many bytes: a pipe keeps such writes whole.
RECORD_LIMIT = 4000
# The encoded data of one `output` record, and a test's whole output (head and tail kept).
OUTPUT_CHUNK = 3000
OUTPUT_LIMIT = 128 * 1024

_MUST_ENCODE = re.compile(rb"[\x00-\x20%\x7f]")
_ENCODED_BYTE = re.compile(rb"%([0-9A-Fa-f]{2})")


def encode(value):
    """Percent-encodes bytes for a record: %, space, tab, CR, LF and the other control bytes."""
    return _MUST_ENCODE.sub(lambda m: b"%%%02X" % m.group()[0], value)


def decode(value):
    """The bytes a percent-encoded value stands for; a % without two hex digits stays itself."""
    return _ENCODED_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), value)


def to_bytes(text):
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def first_line(text, limit=1000):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def file_of(node_id):
    return node_id.split("::", 1)[0]


def cut_point(encoded, limit):
    """The longest prefix of encoded, up to limit bytes, that ends neither inside a %XX triplet nor
    inside a UTF-8 sequence."""
    if len(encoded) <= limit:
        return len(encoded)
    cut = limit
    while cut > 0 and (b"%" in encoded[max(0, cut - 2):cut] or 0x80 <= encoded[cut] < 0xC0):
        cut -= 1
    return cut


class Records:
    """Writes records on the real stdout, saved before any test could redirect it."""

    def __init__(self, fd, mark):
        self.fd = fd
        self.prefix = to_bytes(mark) + b" "

    def write(self, verb, *pairs, encoded=b""):
        """One record; pairs are (key, raw bytes); encoded is appended as it is."""
        line = self.prefix + verb + b"".join(b" " + key + b"=" + encode(value) for key, value in pairs)
        # What a test printed with -s must come before its `end`, and pytest's own progress too.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        view = memoryview(line + encoded + b"\n")
        while view:
            view = view[os.write(self.fd, view):]

    def output(self, test_id, data):
        """`output` records of at most OUTPUT_CHUNK encoded bytes of data each, fewer when the id
        is long: each record stays within RECORD_LIMIT (but for ids of thousands of bytes)."""
        header = len(self.prefix) + len(b"output id= data=\n") + len(encode(test_id))
        chunk = max(256, min(OUTPUT_CHUNK, RECORD_LIMIT - header))
        data = encode(data)
        while data:
            cut = cut_point(data, chunk) or chunk   # never 0: the loop must advance
            self.write(b"output", (b"id", test_id), encoded=b" data=" + data[:cut])
            data = data[cut:]

    def listing(self, text):
        """`list` records holding text, then `listed` with the exit code discovery would have had."""
        data = encode(to_bytes(text))
        while data:
            cut = cut_point(data, OUTPUT_CHUNK) or OUTPUT_CHUNK
            self.write(b"list", encoded=b" data=" + data[:cut])
            data = data[cut:]

    def end(self, test_id, outcome, secs, message):
        pairs = [(b"id", test_id), (b"outcome", outcome.encode())]
        if secs is not None:
            pairs.append((b"secs", b"%.6f" % secs))
        # The record stays one small write: the message gives way.
        room = RECORD_LIMIT - len(self.prefix) - len(b"end message=\n") - sum(
            2 + len(key) + len(encode(value)) for key, value in pairs)
        message = encode(to_bytes(message or ""))
        if len(message) > room:
            message = message[:cut_point(message, room - 3)] + b"..." if room > 3 else b""
        self.write(b"end", *pairs, encoded=b" message=" + message if message else b"")


class Input:
    """The `run id=` lines of the saved stdin, one at a time."""

    def __init__(self, fd):
        self.file = os.fdopen(fd, "rb")

    def next_id(self):
        """The next test id (decoded bytes), or None at the end of the input."""
        for line in self.file:
            line = line.rstrip(b"\n")
            if line.endswith(b"\r"):
                line = line[:-1]
            verb, _, rest = line.partition(b" ")
            if verb != b"run":
                continue
            for part in rest.split(b" "):
                if part.startswith(b"id="):
                    return decode(part[3:])
        return None


def limited(text):
    data = to_bytes(text)
    if len(data) <= OUTPUT_LIMIT:
        return data
    half = OUTPUT_LIMIT // 2
    omitted = len(data) - 2 * half
    return data[:half] + b"\n[... %d bytes omitted ...]\n" % omitted + data[-half:]


def verdict(reports):
    """(outcome, message, output) of one test from its reports, as offload reads pytest's JUnit:
    a failed call fails (and stays failed after a teardown error), a failed setup or teardown is an
    error, skips and xfails are skipped, a strict xpass fails; the first most severe report decides.
    """
    severity = {"passed": 0, "skipped": 1, "error": 2, "failed": 3}
    outcome, decider = "passed", None
    for report in reports:
        if report.outcome == "failed":
            kind = "failed" if report.when == "call" else "error"
            if kind == "failed" and hasattr(report, "wasxfail"):
                kind = "skipped"
        elif report.outcome in ("passed", "skipped"):
            kind = report.outcome
        else:
            continue    # a plugin's own outcome, e.g. pytest-rerunfailures' "rerun"
        if decider is None or severity[kind] > severity[outcome]:
            outcome, decider = kind, report
    if decider is None:
        return "error", "pytest reported nothing about this test", ""

    message = ""
    if outcome == "skipped":
        if hasattr(decider, "wasxfail"):
            reason = decider.wasxfail
            if reason.startswith("reason: "):
                reason = reason[len("reason: "):]
            message = "xfail: " + reason if reason else "xfail"
            if decider.outcome == "failed":
                message = "xfail-marked test passes unexpectedly"
        elif isinstance(decider.longrepr, tuple):
            message = decider.longrepr[2]
            if message.startswith("Skipped: "):
                message = message[len("Skipped: "):]
        else:
            message = str(decider.longrepr or "")
    elif outcome in ("failed", "error"):
        crash = getattr(decider.longrepr, "reprcrash", None)
        message = first_line(crash.message if crash is not None else decider.longrepr)
        if outcome == "error":
            message = 'failed on %s with "%s"' % (decider.when, message)

    output = ""
    if outcome in ("failed", "error"):
        parts = []
        for report in reports:
            if report.outcome == "failed" and report.longrepr is not None:
                title = "" if report.when == "call" else "ERROR at %s:\n" % report.when
                parts.append(title + str(report.longrepr))
        # The last report holds the captured sections of every phase.
        for title, content in reports[-1].sections:
            parts.append("%s %s %s\n%s" % ("-" * 10, title, "-" * 10, content.rstrip("\n")))
        output = "\n\n".join(parts)
    return outcome, first_line(message), output


class Following:
    """pytest's nextitem for the test that runs now: the test after it, read from the input only
    when the running test's teardown asks (pytest's teardown_exact takes its truth value and
    listchain()), or when the loop needs it. None at the end of the input, for an id that names no
    collected test, and for the same test again (a retry: it gets fresh fixtures)."""

    def __init__(self, worker, items_by_id, current):
        self._worker = worker
        self._items_by_id = items_by_id
        self._current = current
        self._read = False
        self._id = None

    def id(self):
        if not self._read:
            self._id = self._worker.ask()
            self._read = True
        return self._id

    def item(self):
        following = self.id()
        item = self._items_by_id.get(following) if following is not None else None
        return item if item is not self._current else None

    def __bool__(self):
        return self.item() is not None

    def __getattr__(self, name):
        item = self.item()
        if item is None:
            raise AttributeError(name)
        return getattr(item, name)


class Worker:
    """The loop over the input, and what it learns from pytest to report each test."""

    def __init__(self, records, input, rootdir, missing, lists=False):
        self.records = records
        self.lists = lists          # list the collected tests before the first `next`
        self.xdist_workers = ""     # pytest-xdist's -n as configured, when it is on
        self.input = input
        self.rootdir = rootdir
        self.missing = missing
        self.collect_errors = {}    # node id of a collector (a file, a directory) -> its report
        self.collected_files = set()
        self.current = None         # node id of the test running
        self.reports = []
        self.finished = False
        self.count = 0

    def ask(self):
        """Asks offload for the next test (a `next` record) and reads it; None at the end of the
        input."""
        self.records.write(b"next")
        return self.input.next_id()

    def loop(self, items_by_id, run_item):
        """Runs the input's tests in order, asking for each only when it is needed, so that offload
        commits no test to this worker ahead of time: the first at once, each later one when the
        running test's teardown asks which test follows (pytest's nextitem decides which fixtures
        of module, class or session scope end), or when the running test has ended."""
        current = self.ask()
        while current is not None:
            self.records.write(b"start", (b"id", current))
            item = items_by_id.get(current)
            following = Following(self, items_by_id, item)
            if item is None:
                self.not_collected(current)
            else:
                run_item(current, item, following)
            self.count += 1
            current = following.id()
        self.records.write(b"done", (b"count", b"%d" % self.count))
        self.finished = True

    def list_tests(self, session):
        """What offload's discovery command (collection.cpp) would print for this collection, and
        the exit code it would end with: 2 after a collection error, 5 when nothing was collected."""
        config = session.config
        inifile = os.path.relpath(str(config.inipath)) if getattr(config, "inipath", None) else ""
        text = "\noffload-pytest-rootdir: %s\noffload-pytest-inifile: %s\noffload-pytest-xdist: %s%s" \
               "\noffload-pytest-end\n" % (
                   os.path.relpath(str(config.rootpath)), inifile,
                   self.xdist_workers,
                   "".join("\n" + item.nodeid for item in session.items))
        code = 2 if self.collect_errors else 0 if session.items else 5
        self.records.listing(text)
        self.records.write(b"listed", (b"exit", b"%d" % code))

    def not_collected(self, test_id):
        node_id = test_id.decode("utf-8", "surrogateescape")
        file = file_of(node_id)
        path = os.path.normpath(os.path.join(self.rootdir, file))
        if any(os.path.normpath(m) == path for m in self.missing):
            message = "%s does not exist in the worker's directory (%s)" % (path, os.getcwd())
            return self.records.end(test_id, "error", None, message)
        errors = [key for key in self.collect_errors
                  if node_id.startswith(key + "::") or file == key or file.startswith(key.rstrip("/") + "/")]
        if errors:
            report = self.collect_errors[max(errors, key=len)]
            text = str(report.longrepr)
            reasons = [line[4:] for line in text.splitlines() if line.startswith("E   ")]
            reason = first_line(reasons[-1] if reasons else text)
            self.records.output(test_id, limited(text))
            return self.records.end(test_id, "error", None, "collecting %s failed: %s" % (file, reason))
        if file in self.collected_files:
            message = "not found after collection: pytest collected %s but no test with this id in it " \
                      "(renamed or removed since discovery?)" % file
        else:
            message = "not found after collection: pytest collected no test from %s (deselected, or " \
                      "outside the worker's paths?)" % file
        self.records.end(test_id, "error", None, message)

    def run_item(self, test_id, item, nextitem):
        self.current, self.reports = item.nodeid, []
        item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        reports, self.current, self.reports = self.reports, None, []
        outcome, message, output = verdict(reports)
        if output:
            self.records.output(test_id, limited(output))
        secs = sum(getattr(report, "duration", 0) or 0 for report in reports)
        self.records.end(test_id, outcome, secs, message)


def make_plugin(pytest, worker):
    class WorkerPlugin:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_cmdline_main(self, config):
            # pytest-xdist on (addopts = -n 2) would distribute instead of running the input: a
            # worker started before discovery cannot have been given -n 0, so it turns xdist off
            # itself, before xdist's own hook reads the option, and lists what was configured.
            numprocesses = getattr(config.option, "numprocesses", None)
            if worker.lists and (numprocesses or getattr(config.option, "dist", "no") != "no"):
                worker.xdist_workers = str(numprocesses or "")
                config.option.numprocesses = 0
                config.option.dist = "no"
                if getattr(config.option, "distload", False):
                    config.option.distload = False
            yield

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtestloop(self, session):
            # -x, --maxfail and their like are offload's business: a worker runs all its input.
            items_by_id = {}
            for item in session.items:
                items_by_id.setdefault(to_bytes(item.nodeid), item)
                worker.collected_files.add(file_of(item.nodeid))
            if worker.lists:
                worker.list_tests(session)
            worker.loop(items_by_id, worker.run_item)
            return True

        def pytest_collectreport(self, report):
            if report.failed:
                worker.collect_errors[report.nodeid] = report

        def pytest_runtest_logreport(self, report):
            if report.nodeid == worker.current:
                worker.reports.append(report)

    return WorkerPlugin()


def main(args):
    # Before pytest and any conftest: the mark leaves the environment (tests and their children
    # never see it), the records get their own copy of stdout and the input its own copy of stdin,
    # and fd 0 becomes /dev/null, so that no test (with -s, or a child process) can eat the input.
    mark = os.environ.pop("OFFLOAD_EVENT_MARK", "")
    lists = os.environ.pop("OFFLOAD_WORKER_LIST", "") == "1"
    if not mark:
        sys.stderr.write("offload worker: OFFLOAD_EVENT_MARK is not set; offload starts this program "
                         "(see docs/test-protocol.md)\n")
        return 4
    try:
        records = Records(os.dup(1), mark)
        input_fd = os.dup(0)
    except OSError as e:
        sys.stderr.write("offload worker: stdin and stdout must be open: %s\n" % e)
        return 4
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    records.write(b"hello", (b"version", b"1"))

    # The paths after the last "--" are what pytest collects. One missing here would stop pytest
    # with a usage error: its tests are reported instead.
    missing = []
    if "--" in args:
        cut = len(args) - args[::-1].index("--")
        paths = args[cut:]
        missing = [path for path in paths if not os.path.exists(path.split("::", 1)[0])]
        args = args[:cut] + [path for path in paths if path not in missing]
    rootdir = ([a[len("--rootdir="):] for a in args if a.startswith("--rootdir=")] or ["."])[-1]

    worker = Worker(records, Input(input_fd), rootdir, missing, lists)
    if args and args[-1] == "--":
        # No path to collect (pytest would collect its default ones): every test is an error.
        worker.loop({}, None)
        return 0

    try:
        import pytest
    except ImportError as e:
        # Discovery found pytest on offload's machine; a sandbox may not have it.
        sys.stderr.write("offload worker: %s cannot import pytest here (%s); install pytest for it, or "
                         "set `python` in [discovery] to an interpreter that has it\n" % (sys.executable, e))
        return 4
    code = int(pytest.main(args, plugins=[make_plugin(pytest, worker)]))
    if worker.finished:
        return code if code in (2, 3) else 0   # interrupted or an internal error after the input
    sys.stderr.write("offload worker: pytest ended (exit code %d) before the end of its input\n" % code)
    return code or 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

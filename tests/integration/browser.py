"""Checks of offload's HTML report in a real headless browser (Debian's chromium).

check_report(html) opens a report from disk, lets its scripts run, and checks what a reader sees: the
page rendered, its counts are the record's, each failure's id and message are on the page, the
timeline has one bar per batch, the page holds a bounded number of elements however many tests there
are, and a screenshot is not blank and shows the failure red when something failed. It returns what
it checked, one line per check, and raises AssertionError at the first check that fails.
Only the Python standard library is used (the PNG is decoded with zlib).
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import zlib

# The report's failure red (--red in core/report/html_template.html).
FAILURE_RED = (0xD1, 0x24, 0x2F)
# At most this many elements in the page after its scripts ran: lists render a window of rows.
MAX_ELEMENTS = 5000


def find_chromium():
    """The path of chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _chromium(args, timeout):
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("chromium is not installed (Debian: apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="offload-chromium-")
    try:
        # --no-sandbox: as root, chromium refuses to start with its sandbox; the page is our own.
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        return subprocess.run(command, capture_output=True, timeout=timeout, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def dump_dom(path, timeout=120):
    """(the page's DOM as HTML after its scripts ran, seconds it took)."""
    start = time.monotonic()
    completed = _chromium(["--dump-dom", "file://" + os.path.abspath(path)], timeout)
    return completed.stdout.decode("utf-8", "replace"), time.monotonic() - start


def screenshot(path, png, width=1280, height=2000, timeout=120):
    """Writes a PNG of the page, width x height pixels."""
    _chromium([f"--screenshot={os.path.abspath(png)}", f"--window-size={width},{height}",
               "file://" + os.path.abspath(path)], timeout)


def read_png(path):
    """(width, height, rows): rows of (r, g, b) tuples. 8-bit RGB or RGBA, not interlaced."""
    with open(path, "rb") as file:
        data = file.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    at, idat, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, f"{path}: an unusual PNG ({header})"
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, channels)])
        previous = line
    return width, height, rows


class _Dom(html.parser.HTMLParser):
    """Elements by id, their text, classes counted, and the number of elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = 0
        self.text_by_id = {}
        self.class_count = {}
        self.attrs_with_class = {}
        self._open_ids = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.elements += 1
        attrs = dict(attrs)
        for name in (attrs.get("class") or "").split():
            self.class_count[name] = self.class_count.get(name, 0) + 1
            self.attrs_with_class.setdefault(name, []).append(attrs)
        if tag not in ("br", "meta", "input", "img", "hr", "link"):
            self._open_ids.append(attrs.get("id"))
            if attrs.get("id"):
                self.text_by_id[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if self._open_ids:
            self._open_ids.pop()

    def handle_data(self, data):
        if self._open_ids and self._open_ids[-1] in ("offload-record", "offload-meta"):
            return
        self.text.append(data)
        for open_id in self._open_ids:
            if open_id:
                self.text_by_id[open_id] += data


def embedded_record(path):
    """The run record a report holds."""
    with open(path, encoding="utf-8") as file:
        page = file.read()
    start = page.find('<script type="application/json" id="offload-record">')
    if start < 0:
        raise ValueError("not an HTML report of offload (it embeds no run record)")
    start = page.index(">", start) + 1
    return json.loads(page[start:page.index("</script>", start)])


def check_report(path, png=None, max_seconds=60):
    """Checks the report at path in chromium (see the module's doc); png: where to keep the
    screenshot (a temporary file by default). Returns the list of what was checked."""
    checked = []
    record = embedded_record(path)
    counts, tests = record["counts"], record["tests"]
    batches = record["timeline"]["batches"]

    dom_text, seconds = dump_dom(path, timeout=max(120, max_seconds * 2))
    dom = _Dom()
    dom.feed(dom_text)
    assert 'data-rendered="true"' in dom_text, "the page's scripts did not finish (no data-rendered)"
    script_ms = int(dom_text.split('data-render-ms="', 1)[1].split('"', 1)[0])
    checked.append(f"rendered in headless chromium: scripts done {script_ms} ms after the page started loading, "
                   f"{seconds:.2f} s with chromium's start and the DOM's dump (limit {max_seconds} s)")
    assert script_ms <= max_seconds * 1000 / 3, f"the page's scripts took {script_ms} ms"
    assert seconds <= max_seconds, f"the page took {seconds:.1f} s to load and dump, more than {max_seconds} s"
    assert dom.elements <= MAX_ELEMENTS, f"the page has {dom.elements} elements, more than {MAX_ELEMENTS}"
    checked.append(f"{dom.elements} elements in the page for {len(tests)} tests (limit {MAX_ELEMENTS})")

    for key, value in counts.items():
        shown = dom.text_by_id.get(f"count-{key}", "")
        assert shown.startswith(str(value)), f"the page shows {key} as {shown!r}, the record says {value}"
    checked.append("the counts shown are the record's: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

    failing = [t for t in tests if t["outcome"] in ("failed", "error", "not-run") and not
               (t.get("quarantined") and t["outcome"] != "not-run")]
    failures_text = dom.text_by_id.get("failures", "")
    for test in failing[:100]:
        assert test["id"] in failures_text, f"the failure {test['id']!r} is not under Failures"
        attempts = test.get("attempts") or []
        message = (attempts[-1]["message"] if attempts else test.get("not_run_reason", "")).strip()
        assert message.split("\n")[0] in failures_text, f"the message of {test['id']!r} is not on the page"
    if failing:
        checked.append(f"{min(len(failing), 100)} of {len(failing)} failures listed with id and message")
    headline = dom.text_by_id.get("headline", "")
    if failing:
        assert "failed" in headline, f"the headline says {headline!r} for a run with failures"
    assert not (failing and "passed" in headline.lower()), f"a failing run's headline says {headline!r}"
    checked.append(f"headline: {headline!r}")

    bars = dom.class_count.get("b", 0)
    assert bars == len(batches), f"the timeline has {bars} bars for {len(batches)} batches"
    checked.append(f"the timeline has one bar per batch ({bars})")

    with tempfile.TemporaryDirectory(prefix="offload-shot-") as scratch:
        shot = png or os.path.join(scratch, "report.png")
        screenshot(path, shot, timeout=max(120, max_seconds * 2))
        width, height, rows = read_png(shot)
        pixels = [p for row in rows[::2] for p in row[::2]]
        colors = len(set(pixels))
        not_white = sum(1 for p in pixels if p != (255, 255, 255))
        assert colors > 20 and not_white > len(pixels) // 100, \
            f"the screenshot looks blank ({colors} colors, {not_white} of {len(pixels)} sampled pixels not white)"
        checked.append(f"screenshot {width}x{height}: {colors} colors, not blank")
        red = sum(1 for p in pixels if all(abs(p[i] - FAILURE_RED[i]) <= 6 for i in range(3)))
        if failing:
            assert red > 200, f"the screenshot shows little failure red ({red} sampled pixels)"
            checked.append(f"the screenshot shows the failure red ({red} sampled pixels)")
        else:
            assert red < 50, f"a run without failures shows failure red ({red} sampled pixels)"
            checked.append("the screenshot shows no failure red (nothing failed)")
    return checked

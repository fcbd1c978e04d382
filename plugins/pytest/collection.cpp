#include "collection.hpp"

#include "common/text.hpp"

// One line, so that the discovery command stays readable in offload's log. The plugin prints the
// node ids itself, as pytest -q does (item.nodeid), so that a -v in the user's addopts cannot turn
// the listing into pytest's tree; tryfirst prints them before pytest's own output of that hook,
// from the start of a line (verbose pytest leaves "collecting ... " open).
// Paths are relative to the working directory: the project directory for discovery and, for
// batches, where the same tree is laid out. numprocesses is pytest-xdist's -n, absent without xdist.
const std::string_view collect_program =
    "import os, sys, pytest; "
    "pytest_collection_finish = pytest.hookimpl(tryfirst=True)(lambda session: print("
    "\"\\noffload-pytest-rootdir: \", os.path.relpath(session.config.rootpath), "
    "\"\\noffload-pytest-inifile: \", "
    "os.path.relpath(session.config.inipath) if session.config.inipath else \"\", "
    "\"\\noffload-pytest-xdist: \", getattr(session.config.option, \"numprocesses\", None) or \"\", "
    "*(\"\\n\" + item.nodeid for item in session.items), \"\\noffload-pytest-end\", sep=\"\", flush=True)); "
    "sys.exit(pytest.main(plugins=[sys.modules[__name__]]))";

// The ids follow the last "--" (an id always holds "::", so it is never "--" itself).
const std::string_view select_program = R"(import os, sys, pytest
args = sys.argv[1:]
cut = len(args) - args[::-1].index("--")
options, ids = args[:cut - 1], args[cut:]
wanted = set(ids)
rootdir = ([o[len("--rootdir="):] for o in options if o.startswith("--rootdir=")] or ["."])[-1]
files = dict.fromkeys(os.path.join(rootdir, i.split("::")[0]) for i in ids)

@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in wanted])
    items[:] = [item for item in items if item.nodeid in wanted]

sys.exit(pytest.main([*options, "--", *files], plugins=[sys.modules[__name__]])))";

namespace {

constexpr std::string_view rootdir_marker = "offload-pytest-rootdir: ";
constexpr std::string_view inifile_marker = "offload-pytest-inifile: ";
constexpr std::string_view xdist_marker = "offload-pytest-xdist: ";
constexpr std::string_view end_marker = "offload-pytest-end";

std::string join(const std::vector<std::string_view> &lines, size_t begin, size_t end)
{
    std::string text;
    for (size_t i = begin; i < end; ++i)
        text.append(lines[i]).append("\n");
    return text;
}

bool is_section_header(std::string_view line, std::string_view title)
{
    return line.starts_with("=") && line.ends_with("=") &&
           line.find(" " + std::string(title) + " ") != std::string_view::npos;
}

// text without surrounding whitespace, as a string.
std::string trimmed(std::string_view text)
{
    return std::string(offload::common::trim(text));
}

} // namespace

std::string_view exit_code_meaning(int exit_code)
{
    switch (exit_code) {
    case 0: return "all tests passed";
    case 1: return "some tests failed";
    case 2: return "interrupted";
    case 3: return "internal error";
    case 4: return "usage error";
    case 5: return "no tests collected";
    default: return "";
    }
}

std::string relevant_output(std::string_view output)
{
    constexpr size_t head_lines = 80, tail_lines = 40;
    const std::vector<std::string_view> lines = offload::common::split_lines(output);
    size_t begin = lines.size() > tail_lines ? lines.size() - tail_lines : 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (is_section_header(lines[i], "ERRORS")) {
            begin = i;
            break;
        }
    }
    if (lines.size() - begin <= head_lines + tail_lines)
        return trimmed(join(lines, begin, lines.size()));
    const size_t omitted = lines.size() - begin - head_lines - tail_lines;
    return trimmed(join(lines, begin, begin + head_lines) + "[... " + std::to_string(omitted) +
                   " lines omitted ...]\n" + join(lines, lines.size() - tail_lines, lines.size()));
}

CollectionResult read_collection(std::string_view out, std::string_view err, int exit_code,
                                 const std::string &python)
{
    CollectionResult result;
    const std::string err_text = trimmed(err);
    if (err.find("No module named pytest") != std::string_view::npos ||
        err.find("No module named 'pytest'") != std::string_view::npos) {
        result.error = python +
                       " cannot import pytest. Set `python` in [discovery] to an interpreter that has it: "
                       "Debian's python3-pytest package installs it for \"/usr/bin/python3\"; a virtualenv "
                       "has its own, e.g. \".venv/bin/python\".\n" +
                       err_text;
        return result;
    }
    if (exit_code == 126 || exit_code == 127) {
        result.error = "cannot run " + python + " (exit code " + std::to_string(exit_code) +
                       "): set `python` in [discovery] to a Python interpreter that has pytest.\n" + err_text;
        return result;
    }
    if (exit_code == 5) {
        const std::vector<std::string_view> lines = offload::common::split_lines(offload::common::trim(out));
        result.error =
            "pytest collected no tests (" +
            (lines.empty() ? std::string("exit code 5") : std::string(lines.back())) +
            "). Check `paths` and `markers` in [discovery], and testpaths/python_files in the pytest "
            "configuration.";
        return result;
    }
    if (exit_code != 0) {
        std::string meaning(exit_code_meaning(exit_code));
        result.error = "pytest could not collect the tests (exit code " + std::to_string(exit_code) +
                       (meaning.empty() ? "" : ": " + meaning) + "):";
        const std::string shown = relevant_output(out);
        if (!err_text.empty())
            result.error += "\n" + relevant_output(err_text);
        if (!shown.empty())
            result.error += "\n" + shown;
        return result;
    }

    const std::vector<std::string_view> lines = offload::common::split_lines(out);
    size_t marker = lines.size();
    for (size_t i = lines.size(); i-- > 0;) {
        if (lines[i].starts_with(rootdir_marker) && i + 2 < lines.size() &&
            lines[i + 1].starts_with(inifile_marker) && lines[i + 2].starts_with(xdist_marker)) {
            marker = i;
            break;
        }
    }
    if (marker == lines.size()) {
        result.error = "pytest exited with code 0 but printed no list of tests; is " + python +
                       " a Python interpreter? Its output:\n" + relevant_output(out) +
                       (err_text.empty() ? "" : "\n" + err_text);
        return result;
    }
    Collection collection;
    collection.rootdir = lines[marker].substr(rootdir_marker.size());
    collection.inifile = lines[marker + 1].substr(inifile_marker.size());
    collection.xdist_workers = lines[marker + 2].substr(xdist_marker.size());
    // One id per line up to the end marker, which no id can be: every node id holds "::".
    size_t i = marker + 3;
    for (; i < lines.size() && lines[i] != end_marker; ++i)
        collection.ids.emplace_back(lines[i]);
    if (i == lines.size() || collection.ids.empty()) {
        result.error = "pytest's list of tests is " + std::string(i == lines.size() ? "cut short" : "empty") +
                       ":\n" + relevant_output(out);
        return result;
    }
    result.collection = std::move(collection);
    return result;
}

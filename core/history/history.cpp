#include "history/history.hpp"

#include "util/atomic_file.hpp"
#include "util/fd.hpp"
#include "util/read_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace offload {

namespace {

// Version 2 adds the `f` lines (outcomes). Version 1 files are read; an offload that knows only
// version 1 leaves a version 2 file alone rather than taking it for a damaged one of its own.
constexpr const char *header = "offload-history 2";
constexpr const char *header_v1 = "offload-history 1";
// Far above what max_tests entries of ordinary ids take (about 100 bytes each): a bigger file is
// not a history, and is not read into memory.
constexpr uint64_t max_file_bytes = uint64_t{1} << 30;
constexpr double weight_of_new_sample = 0.3;

// Ids may hold any byte but NUL: tab, newline and backslash are escaped.
std::string escape(const std::string &id)
{
    std::string out;
    out.reserve(id.size());
    for (char c : id) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: out += c;
        }
    }
    return out;
}

std::optional<std::string> unescape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i == text.size())
            return std::nullopt;
        switch (text[i]) {
        case '\\': out += '\\'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        default: return std::nullopt;
        }
    }
    return out;
}

bool parse_number(std::string_view text, double &value)
{
    std::string copy(text);
    char *end = nullptr;
    errno = 0;
    value = std::strtod(copy.c_str(), &end);
    return !copy.empty() && end == copy.c_str() + copy.size() && errno == 0 && std::isfinite(value) &&
           value >= 0;
}

bool parse_integer(std::string_view text, uint64_t &value)
{
    if (text.empty() || text.size() > 19)
        return false;
    value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + uint64_t(c - '0');
    }
    return true;
}

std::vector<std::string_view> split_tabs(std::string_view line, size_t max_fields)
{
    std::vector<std::string_view> fields;
    while (fields.size() + 1 < max_fields) {
        size_t tab = line.find('\t');
        if (tab == std::string_view::npos)
            break;
        fields.push_back(line.substr(0, tab));
        line.remove_prefix(tab + 1);
    }
    fields.push_back(line);
    return fields;
}

// A date field: "-" for none, else an ISO 8601 time without spaces or tabs.
bool parse_date(std::string_view text, std::string &date)
{
    if (text == "-") {
        date.clear();
        return true;
    }
    if (text.empty() || text.size() > 40 || text.find_first_of(" \t") != std::string_view::npos)
        return false;
    date = std::string(text);
    return true;
}

bool parse_marks(std::string_view text, std::string &marks)
{
    if (text == "-") {
        marks.clear();
        return true;
    }
    if (text.size() > History::max_recent_outcomes || text.find_first_not_of("pfF") != std::string_view::npos)
        return false;
    marks = std::string(text);
    return true;
}

std::string_view date_field(const std::string &date)
{
    return date.empty() ? "-" : std::string_view(date);
}

// An exclusive lock on path for the lifetime of the object; waits for other runs.
// Not following a symlink planted at the lock's path.
class FileLock {
  public:
    explicit FileLock(const std::filesystem::path &path)
        : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644))
    {
        if (m_fd && ::flock(m_fd.get(), LOCK_EX) != 0)
            m_fd.reset();
    }
    bool locked() const { return bool(m_fd); }

  private:
    Fd m_fd;
};

} // namespace

Expected<History> History::parse(const std::string &text)
{
    History history;
    std::string_view rest = text;
    size_t line_number = 0;
    auto next_line = [&](std::string_view &line) {
        if (rest.empty())
            return false;
        size_t end = rest.find('\n');
        line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        ++line_number;
        return true;
    };
    std::string_view line;
    if (!next_line(line) || (line != header && line != header_v1))
        return failure("it does not start with \"" + std::string(header) + "\"");
    const bool v1 = line == header_v1;
    while (next_line(line)) {
        if (line.empty())
            continue;
        auto fields = split_tabs(line, line.starts_with("f\t") ? 9 : 5);
        bool ok = true;
        if (fields[0] == "run" && fields.size() == 2) {
            ok = parse_integer(fields[1], history.m_run);
        } else if (fields[0] == "overhead" && fields.size() == 2) {
            double value = 0;
            ok = parse_number(fields[1], value);
            history.m_overheads.push_back(value);
        } else if (fields[0] == "t" && fields.size() == 5) {
            Entry entry;
            uint64_t samples = 0;
            auto id = unescape(fields[4]);
            ok = parse_number(fields[1], entry.mean_secs) && parse_integer(fields[2], samples) &&
                 parse_integer(fields[3], entry.last_run) && id && !id->empty();
            entry.samples = uint32_t(std::min<uint64_t>(samples, UINT32_MAX));
            if (ok) {
                Entry &known = history.m_tests[*id];
                known.mean_secs = entry.mean_secs;
                known.samples = entry.samples;
                known.last_run = std::max(known.last_run, entry.last_run);
            }
        } else if (fields[0] == "f" && fields.size() == 9 && !v1) {
            Flakiness flakiness;
            uint64_t last_run = 0;
            auto id = unescape(fields[8]);
            ok = parse_integer(fields[1], flakiness.runs) && parse_integer(fields[2], flakiness.failures) &&
                 parse_integer(fields[3], flakiness.flaky) && flakiness.failures <= flakiness.runs &&
                 flakiness.flaky <= flakiness.runs && parse_date(fields[4], flakiness.first_flake) &&
                 parse_date(fields[5], flakiness.last_flake) && parse_integer(fields[6], last_run) &&
                 parse_marks(fields[7], flakiness.recent) && id && !id->empty();
            if (ok) {
                Entry &known = history.m_tests[*id];
                known.flakiness = std::move(flakiness);
                known.last_run = std::max(known.last_run, last_run);
            }
        } else {
            ok = false;
        }
        if (!ok)
            return failure(fmt::format("line {} is not valid", line_number));
    }
    return history;
}

namespace {

// Whether text is a history this offload writes (its first line is the header), however damaged
// the rest: only such a file is ever replaced.
bool ours(std::string_view text)
{
    const std::string_view first = text.substr(0, text.find('\n'));
    return first == header || first == header_v1;
}

} // namespace

Expected<History> History::load(const std::filesystem::path &path)
{
    // Not a file of offload's own: it is read no further, and never replaced.
    const auto ignored = [&](const std::string &why) {
        return failure(
            fmt::format("ignoring {}: {}; it is left as it is, and this run's timings are not saved: set "
                        "[history] path to a file of offload's own (e.g. \".offload/history\")",
                        path.string(), why));
    };
    // O_NONBLOCK: a FIFO at the path must not block the run (it is refused below).
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd)
        return History(); // no history yet
    struct stat status;
    if (::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode))
        return ignored("it is not a regular file");
    if (static_cast<uint64_t>(status.st_size) > max_file_bytes)
        return ignored(
            fmt::format("it is {} bytes, more than a history of {} tests can be", status.st_size, max_tests));
    std::string text;
    text.reserve(static_cast<size_t>(status.st_size));
    const int read = read_chunks(fd.get(), [&](std::string_view chunk) {
        if (text.size() + chunk.size() > max_file_bytes) // it grew while being read
            return false;
        text.append(chunk);
        return true;
    });
    if (read > 0)
        return ignored(std::string("cannot read it: ") + std::strerror(read));
    if (read < 0)
        return ignored("it is larger than a history can be");
    if (text.empty())
        return History(); // nothing in it yet: nothing to lose
    Expected<History> history = parse(text);
    if (!history && ours(text))
        return failure(
            fmt::format("ignoring the timing history {}: {}; it will be kept as {}.corrupt and a new "
                        "one started",
                        path.string(), history.error(), path.filename().string()));
    if (!history)
        return failure(
            fmt::format("ignoring {}: it is not a timing history this offload wrote ({}); it is left "
                        "as it is, and this run's timings are not saved: set [history] path to a file "
                        "of offload's own (e.g. \".offload/history\")",
                        path.string(), history.error()));
    return history;
}

const History::Entry *History::find(const std::string &id) const
{
    auto found = m_tests.find(id);
    if (found != m_tests.end() && found->second.samples > 0)
        return &found->second;
    auto imported = m_imported.find(id);
    return imported == m_imported.end() ? nullptr : &imported->second;
}

void History::import_timing(const std::string &id, double secs)
{
    if (std::isfinite(secs) && secs >= 0 && !id.empty())
        m_imported[id] = Entry{secs, 1, 0, {}};
}

const History::Flakiness *History::flakiness(const std::string &id) const
{
    auto found = m_tests.find(id);
    return found == m_tests.end() || found->second.flakiness.runs == 0 ? nullptr : &found->second.flakiness;
}

std::optional<double> History::batch_overhead_secs() const
{
    if (m_overheads.empty())
        return std::nullopt;
    // The lower quartile: batches that started while others loaded the machine measured the
    // contention too, not just their own fixed cost.
    std::vector<double> sorted = m_overheads;
    std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(sorted.size() / 4), sorted.end());
    return sorted[sorted.size() / 4];
}

void History::record_test(const std::string &id, double secs)
{
    if (std::isfinite(secs) && secs >= 0)
        m_new_tests.emplace_back(id, secs);
}

void History::record_outcome(const std::string &id, Mark mark, const std::string &run_started_at)
{
    m_new_outcomes.push_back({id, mark, run_started_at});
}

void History::record_batch_overhead(double secs)
{
    if (std::isfinite(secs) && secs >= 0)
        m_new_overheads.push_back(secs);
}

void History::apply(const History &run)
{
    ++m_run;
    for (const auto &[id, secs] : run.m_new_tests) {
        Entry &entry = m_tests[id];
        entry.mean_secs = entry.samples == 0
                              ? secs
                              : (1 - weight_of_new_sample) * entry.mean_secs + weight_of_new_sample * secs;
        entry.samples = entry.samples == UINT32_MAX ? entry.samples : entry.samples + 1;
        entry.last_run = m_run;
    }
    for (const NewOutcome &outcome : run.m_new_outcomes) {
        Entry &entry = m_tests[outcome.id];
        Flakiness &flakiness = entry.flakiness;
        ++flakiness.runs;
        if (outcome.mark == Mark::Failed)
            ++flakiness.failures;
        if (outcome.mark == Mark::Flaky) {
            ++flakiness.flaky;
            if (flakiness.first_flake.empty())
                flakiness.first_flake = outcome.at;
            flakiness.last_flake = outcome.at;
        }
        flakiness.recent += char(outcome.mark);
        if (flakiness.recent.size() > max_recent_outcomes)
            flakiness.recent.erase(0, flakiness.recent.size() - max_recent_outcomes);
        entry.last_run = m_run;
    }
    m_overheads.insert(m_overheads.end(), run.m_new_overheads.begin(), run.m_new_overheads.end());
    prune();
}

void History::prune()
{
    if (m_overheads.size() > max_overhead_samples)
        m_overheads.erase(m_overheads.begin(), m_overheads.end() - std::ptrdiff_t(max_overhead_samples));
    for (auto it = m_tests.begin(); it != m_tests.end();)
        it = m_run - it->second.last_run > forget_after_runs ? m_tests.erase(it) : std::next(it);
    if (m_tests.size() <= max_tests)
        return;
    // Too many: keep the most recently seen.
    std::vector<std::pair<uint64_t, std::string>> by_age;
    for (const auto &[id, entry] : m_tests)
        by_age.emplace_back(entry.last_run, id);
    std::nth_element(by_age.begin(), by_age.begin() + std::ptrdiff_t(by_age.size() - max_tests),
                     by_age.end());
    for (size_t i = 0; i < by_age.size() - max_tests; ++i)
        m_tests.erase(by_age[i].second);
}

std::string History::serialize() const
{
    std::string out = std::string(header) + "\n";
    out += fmt::format("run\t{}\n", m_run);
    for (double overhead : m_overheads)
        out += fmt::format("overhead\t{:.6f}\n", overhead);
    std::vector<const std::pair<const std::string, Entry> *> sorted;
    sorted.reserve(m_tests.size());
    for (const auto &entry : m_tests)
        sorted.push_back(&entry);
    std::sort(sorted.begin(), sorted.end(), [](auto *a, auto *b) { return a->first < b->first; });
    for (const auto *entry : sorted) {
        if (entry->second.samples > 0)
            out += fmt::format("t\t{:.6f}\t{}\t{}\t{}\n", entry->second.mean_secs, entry->second.samples,
                               entry->second.last_run, escape(entry->first));
        const Flakiness &flakiness = entry->second.flakiness;
        if (flakiness.runs > 0)
            out += fmt::format("f\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", flakiness.runs, flakiness.failures,
                               flakiness.flaky, date_field(flakiness.first_flake),
                               date_field(flakiness.last_flake), entry->second.last_run,
                               flakiness.recent.empty() ? "-" : flakiness.recent, escape(entry->first));
    }
    return out;
}

Expected<void> History::save(const std::filesystem::path &path) const
{
    // Refused before the lock file beside it is made ([history] path = "/dev/null").
    if (Expected<void> allowed = check_replaceable(path); !allowed)
        return allowed;
    std::error_code code;
    std::filesystem::create_directories(path.parent_path(), code);
    FileLock lock(path.string() + ".lock");
    if (!lock.locked())
        return failure(fmt::format("cannot lock {}.lock: {}", path.string(), std::strerror(errno)));
    // Another run may have saved since this one loaded: merge into what is on disk now. A damaged
    // file of ours is kept aside; a file that is not ours is never replaced.
    Expected<History> on_disk = load(path);
    if (!on_disk) {
        std::ifstream in(path, std::ios::binary);
        std::string first_line;
        std::getline(in, first_line);
        if (!ours(first_line))
            return failure(fmt::format("{} is not a timing history this offload wrote; it was left as it is",
                                       path.string()));
        std::filesystem::rename(path, path.string() + ".corrupt", code);
        if (code)
            return failure(fmt::format("cannot keep the damaged {} as {}.corrupt: {}", path.string(),
                                       path.filename().string(), code.message()));
        on_disk = History();
    }
    History merged = std::move(*on_disk);
    merged.apply(*this);
    return write_file_atomically(path, merged.serialize());
}

} // namespace offload

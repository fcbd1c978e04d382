#include "report/junit_writer.hpp"

#include "util/atomic_file.hpp"
#include "util/xml_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <streambuf>
#include <string_view>
#include <vector>

namespace offload {
namespace {

// The report's text on its way to the stream: pieces are copied through a raw pointer into a buffer that goes
// to the stream in chunks. With a std::string::append per piece, unoptimized builds needed most of a second
// for 100,000 tests.
class ReportBuffer {
  public:
    explicit ReportBuffer(std::ostream &out) : m_out(out) { m_data.resize(2 * chunk_bytes); }

    void text(std::string_view literal)
    {
        std::memcpy(room(literal.size()), literal.data(), literal.size());
        m_used += literal.size();
    }

    // Sanitized and escaped for XML text, or for a double-quoted attribute value.
    void escaped(std::string_view bytes, bool in_attribute)
    {
        if (bytes.size() > direct_bytes) {
            // Escaping in place needs room for the worst case, six times the input: go through a string.
            m_scratch.clear();
            append_xml_escaped(m_scratch, bytes, in_attribute);
            flush();
            m_out.write(m_scratch.data(), static_cast<std::streamsize>(m_scratch.size()));
            return;
        }
        const char *end = write_xml_escaped(room(bytes.size() * xml_escaped_max_growth), bytes, in_attribute);
        m_used = static_cast<size_t>(end - m_data.data());
    }

    // ` name="value"`, with prefix being ` name="`.
    void attribute(std::string_view prefix, std::string_view value)
    {
        text(prefix);
        escaped(value, true);
        text("\"");
    }

    void number(size_t value)
    {
        const char *end = std::to_chars(room(24), m_data.data() + m_data.size(), value).ptr;
        m_used = static_cast<size_t>(end - m_data.data());
    }

    // Seconds with 3 decimals; unknown (negative) and nonsensical values as 0.
    void seconds(double secs)
    {
        if (!std::isfinite(secs) || secs < 0)
            secs = 0;
        secs = std::min(secs, 1e12);
        const char *end =
            std::to_chars(room(32), m_data.data() + m_data.size(), secs, std::chars_format::fixed, 3).ptr;
        m_used = static_cast<size_t>(end - m_data.data());
    }

    // Hands what has built up to the stream once it makes a chunk; false once the stream has failed.
    bool flush_if_full() { return m_used < chunk_bytes ? bool(m_out) : flush(); }

    bool flush()
    {
        m_out.write(m_data.data(), static_cast<std::streamsize>(m_used));
        m_used = 0;
        return bool(m_out);
    }

  private:
    static constexpr size_t chunk_bytes = 64 * 1024;
    static constexpr size_t direct_bytes = 16 * 1024;

    // Where the next size bytes go.
    char *room(size_t size)
    {
        if (m_data.size() - m_used < size)
            m_data.resize(std::max(2 * m_data.size(), m_used + size));
        return m_data.data() + m_used;
    }

    std::ostream &m_out;
    std::vector<char> m_data;
    size_t m_used = 0;
    std::string m_scratch;
};

bool failed_or_errored(const Attempt &attempt)
{
    return attempt.outcome == Outcome::Failed || attempt.outcome == Outcome::Error;
}

// ` message="..." type="failure|error"` of a failed or errored attempt.
void put_problem_attributes(ReportBuffer &out, const Attempt &attempt)
{
    out.attribute(" message=\"", attempt.message);
    out.text(attempt.outcome == Outcome::Error ? " type=\"error\"" : " type=\"failure\"");
}

// <failure>/<error> of the final attempt. Its text is what GitLab shows of a failure (it ignores
// the message attribute): the message, then the output unless that starts with the message.
void put_final_problem(ReportBuffer &out, std::string_view tag, const Attempt &attempt)
{
    out.text("      <");
    out.text(tag);
    put_problem_attributes(out, attempt);
    if (attempt.output.empty() && attempt.message.empty()) {
        out.text("/>\n");
        return;
    }
    out.text(">");
    if (!attempt.message.empty() && !std::string_view(attempt.output).starts_with(attempt.message)) {
        out.escaped(attempt.message, false);
        if (!attempt.output.empty())
            out.text("\n\n");
    }
    out.escaped(attempt.output, false);
    out.text("</");
    out.text(tag);
    out.text(">\n");
}

// The <system-out> of a failed or errored test: where the whole output of its batch is, and for
// GitLab, the same file as an attachment, relative to the directory its artifacts are taken from.
void put_log_reference(ReportBuffer &out, const Attempt &attempt, const JunitOptions &options)
{
    if (attempt.log_path.empty())
        return;
    out.text("      <system-out>");
    out.escaped("offload: the whole output of the batch it ran in: " + attempt.log_path, false);
    if (!options.attachments_dir.empty()) {
        const std::filesystem::path relative =
            std::filesystem::path(attempt.log_path)
                .lexically_normal()
                .lexically_relative(options.attachments_dir.lexically_normal());
        const std::string text = relative.generic_string();
        if (!text.empty() && !text.starts_with("..") && text.find_first_of("[]|") == std::string::npos)
            out.escaped("\n[[ATTACHMENT|" + text + "]]", false);
    }
    out.text("</system-out>\n");
}

// Surefire's record of an earlier attempt: <flakyFailure>, <rerunError>..., its output in <stackTrace>.
void put_earlier_attempt(ReportBuffer &out, std::string_view kind, const Attempt &attempt)
{
    const std::string_view suffix = attempt.outcome == Outcome::Error ? "Error" : "Failure";
    out.text("      <");
    out.text(kind);
    out.text(suffix);
    put_problem_attributes(out, attempt);
    if (attempt.output.empty()) {
        out.text("/>\n");
        return;
    }
    out.text("><stackTrace>");
    out.escaped(attempt.output, false);
    out.text("</stackTrace></");
    out.text(kind);
    out.text(suffix);
    out.text(">\n");
}

void put_earlier_attempts(ReportBuffer &out, std::string_view kind, const TestReport &test)
{
    for (size_t i = 0; i + 1 < test.attempts.size(); ++i)
        if (failed_or_errored(test.attempts[i]))
            put_earlier_attempt(out, kind, test.attempts[i]);
}

void put_testcase(ReportBuffer &out, const TestReport &test, const std::string &report_name,
                  const JunitOptions &options)
{
    const Outcome outcome = test.final_outcome();
    const Attempt *last = test.attempts.empty() ? nullptr : &test.attempts.back();

    out.attribute("    <testcase name=\"", test.id);
    if (test.file.empty()) {
        out.attribute(" classname=\"", report_name);
    } else {
        out.attribute(" classname=\"", test.file);
        out.attribute(" file=\"", test.file);
    }
    out.text(" time=\"");
    out.seconds(last ? last->duration_secs : 0);
    // A quarantined failure stays a <failure>; readers that know the property can tell it apart.
    const bool quarantine_shown =
        !test.quarantined.empty() && (outcome == Outcome::Failed || outcome == Outcome::Error);
    if (outcome == Outcome::Passed && !test.flaky() && test.group.empty()) {
        out.text("\"/>\n");
        return;
    }
    out.text("\">\n");
    if (quarantine_shown || !test.group.empty()) {
        out.text("      <properties>");
        if (!test.group.empty()) { // its [groups.NAME]
            out.text("<property name=\"offload.group\"");
            out.attribute(" value=\"", test.group);
            out.text("/>");
        }
        if (quarantine_shown) {
            out.text("<property name=\"offload.quarantined\"");
            out.attribute(" value=\"", test.quarantined);
            out.text("/>");
        }
        out.text("</properties>\n");
    }
    switch (outcome) {
    case Outcome::Passed:
        put_earlier_attempts(out, "flaky", test);
        if (test.flaky() && !last->output.empty()) {
            out.text("      <system-out>");
            out.escaped(last->output, false);
            out.text("</system-out>\n");
        }
        break;
    case Outcome::Failed:
        put_final_problem(out, "failure", *last);
        put_earlier_attempts(out, "rerun", test);
        put_log_reference(out, *last, options);
        break;
    case Outcome::Error:
        put_final_problem(out, "error", *last);
        put_earlier_attempts(out, "rerun", test);
        put_log_reference(out, *last, options);
        break;
    case Outcome::Skipped:
        out.attribute("      <skipped message=\"", last->message);
        out.text("/>\n");
        break;
    case Outcome::NotRun: {
        // Normally a test without attempts; an attempt that ended as NotRun carries its reason itself.
        const std::string &reason =
            !test.not_run_reason.empty() || !last ? test.not_run_reason : last->message;
        const std::string message = reason.empty() ? "not run" : "not run: " + reason;
        out.attribute("      <error message=\"", message);
        out.text(" type=\"not-run\">");
        out.escaped(message, false);
        out.text("</error>\n");
        break;
    }
    }
    out.text("    </testcase>\n");
}

struct SuiteCounts {
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
};

// The tests of one framework in a run of several; every test when prefix is empty.
bool in_suite(const TestReport &test, const std::string &prefix)
{
    return test.id.starts_with(prefix);
}

SuiteCounts suite_counts(const RunReport &report, const std::string &prefix = {})
{
    SuiteCounts counts;
    for (const TestReport &test : report.tests) {
        if (!in_suite(test, prefix))
            continue;
        ++counts.tests;
        switch (test.final_outcome()) {
        case Outcome::Passed: break;
        case Outcome::Failed: ++counts.failures; break;
        case Outcome::Error:
        case Outcome::NotRun: ++counts.errors; break;
        case Outcome::Skipped: ++counts.skipped; break;
        }
    }
    return counts;
}

// The attributes <testsuites> and <testsuite> share.
void put_suite_attributes(ReportBuffer &out, const RunReport &report, const SuiteCounts &counts,
                          const std::string &name)
{
    out.attribute(" name=\"", name);
    out.text(" tests=\"");
    out.number(counts.tests);
    out.text("\" failures=\"");
    out.number(counts.failures);
    out.text("\" errors=\"");
    out.number(counts.errors);
    out.text("\" skipped=\"");
    out.number(counts.skipped);
    out.text("\" time=\"");
    out.seconds(report.wall_secs);
    out.text("\"");
    if (!report.started_at.empty())
        out.attribute(" timestamp=\"", report.started_at);
}

// An unbuffered stream buffer into an AtomicFile (write_junit already hands over large chunks), which
// keeps the first write error for commit().
class AtomicFileStreambuf : public std::streambuf {
  public:
    explicit AtomicFileStreambuf(AtomicFile &file) : m_file(file) {}

  protected:
    int_type overflow(int_type ch) override
    {
        if (!traits_type::eq_int_type(ch, traits_type::eof())) {
            const char c = traits_type::to_char_type(ch);
            m_file.write({&c, 1});
        }
        return traits_type::not_eof(ch);
    }

    std::streamsize xsputn(const char *data, std::streamsize size) override
    {
        m_file.write({data, static_cast<size_t>(size)});
        return size;
    }

  private:
    AtomicFile &m_file;
};

} // namespace

void write_junit(std::ostream &out, const RunReport &report, const JunitOptions &options)
{
    ReportBuffer buffer(out);
    buffer.text("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    put_suite_attributes(buffer, report, suite_counts(report), report.name);
    buffer.text(">\n");
    // One <testsuite> per framework of the run (the run's name when there is one).
    const std::vector<std::string> suites =
        report.suites.empty() ? std::vector<std::string>{""} : report.suites;
    for (const std::string &suite : suites) {
        const std::string prefix = suite.empty() ? "" : suite + ":";
        const std::string name = suite.empty() ? report.name : suite;
        buffer.text("  <testsuite");
        put_suite_attributes(buffer, report, suite_counts(report, prefix), name);
        buffer.text(">\n");
        for (const TestReport &test : report.tests) {
            if (!in_suite(test, prefix))
                continue;
            put_testcase(buffer, test, name, options);
            if (!buffer.flush_if_full())
                return;
        }
        buffer.text("  </testsuite>\n");
    }
    buffer.text("</testsuites>\n");
    buffer.flush();
    out.flush();
}

Expected<void> write_junit_file(const std::string &path, const RunReport &report, const JunitOptions &options)
{
    const auto failed = [](const std::string &why) {
        return failure("cannot write the JUnit report: " + why);
    };
    Expected<AtomicFile> file = AtomicFile::create(path);
    if (!file)
        return failed(file.error());
    AtomicFileStreambuf buffer(*file);
    std::ostream out(&buffer);
    write_junit(out, report, options);
    if (Expected<void> written = file->commit(); !written)
        return failed(written.error());
    return {};
}

} // namespace offload

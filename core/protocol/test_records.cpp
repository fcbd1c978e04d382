#include "protocol/test_records.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <sys/random.h>

namespace offload {

namespace {

constexpr std::string_view mark_prefix = "@offload-event:";
constexpr char hex_digits[] = "0123456789abcdef"; // marks

std::optional<double> parse_secs(std::string_view text)
{
    double value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
        return std::nullopt;
    return value;
}

std::optional<long long> parse_count(std::string_view text)
{
    long long value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0)
        return std::nullopt;
    return value;
}

// The longest end of `text` that is a proper beginning of `mark`: it may continue in the next chunk.
size_t partial_mark_at_end(std::string_view text, std::string_view mark)
{
    const size_t longest = std::min(text.size(), mark.size() - 1);
    for (size_t length = longest; length > 0; --length)
        if (text.substr(text.size() - length) == mark.substr(0, length))
            return length;
    return 0;
}

} // namespace

std::string new_event_mark()
{
    unsigned char random[16];
    size_t got = 0;
    while (got < sizeof random) {
        const ssize_t count = ::getrandom(random + got, sizeof random - got, 0);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            throw Error(std::string("cannot read random bytes for a test protocol mark: ") +
                        std::strerror(errno));
        }
        got += size_t(count);
    }
    std::string mark(mark_prefix);
    for (unsigned char byte : random) {
        mark += hex_digits[byte >> 4];
        mark += hex_digits[byte & 0xf];
    }
    return mark;
}

std::string worker_input_line(std::string_view test_id)
{
    return "run id=" + percent_encode(test_id) + "\n";
}

std::string command_with_fixed_input(std::string_view worker_command,
                                     const std::vector<std::string> &test_ids,
                                     std::string_view delimiter_salt)
{
    const std::string delimiter = "OFFLOAD_INPUT_" + std::string(delimiter_salt);
    // A brace group takes the here-document as a whole, whatever the command's own lines do.
    std::string command = "{\n";
    command += worker_command;
    command += "\n} <<'" + delimiter + "'\n";
    for (const std::string &id : test_ids)
        command += worker_input_line(id);
    command += delimiter + "\n";
    return command;
}

TestRecord parse_record(std::string_view line)
{
    TestRecord record;
    auto next_word = [&line]() -> std::string_view {
        const size_t start = line.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            line = {};
            return {};
        }
        line.remove_prefix(start);
        const size_t end = std::min(line.find(' '), line.size());
        std::string_view word = line.substr(0, end);
        line.remove_prefix(end);
        return word;
    };
    const std::string_view verb = next_word();
    record.verb_text = std::string(verb);
    if (verb.empty()) {
        record.problem = "a record without a verb";
        return record;
    }
    record.verb = verb == "hello"    ? TestRecord::Verb::Hello
                  : verb == "start"  ? TestRecord::Verb::Start
                  : verb == "output" ? TestRecord::Verb::Output
                  : verb == "end"    ? TestRecord::Verb::End
                  : verb == "done"   ? TestRecord::Verb::Done
                  : verb == "next"   ? TestRecord::Verb::Next
                  : verb == "list"   ? TestRecord::Verb::List
                  : verb == "listed" ? TestRecord::Verb::Listed
                                     : TestRecord::Verb::Unknown;
    bool has_id = false, has_outcome = false;
    for (std::string_view word = next_word(); !word.empty(); word = next_word()) {
        const size_t equals = word.find('=');
        if (equals == std::string_view::npos || equals == 0)
            continue; // not KEY=VALUE: a later version's, or noise; ignored
        const std::string_view key = word.substr(0, equals);
        const std::string value = percent_decode(word.substr(equals + 1));
        if (key == "id") {
            record.id = value;
            has_id = true;
        } else if (key == "outcome") {
            record.outcome = value;
            has_outcome = true;
        } else if (key == "message") {
            record.message = value;
        } else if (key == "data") {
            record.data = value;
        } else if (key == "secs") {
            record.secs = parse_secs(value);
            if (!record.secs)
                record.problem = "secs=" + value + " is not a number of seconds";
        } else if (key == "count") {
            record.count = parse_count(value);
            if (!record.count)
                record.problem = "count=" + value + " is not a whole number";
        } else if (key == "version") {
            record.version = parse_count(value);
            if (!record.version)
                record.problem = "version=" + value + " is not a whole number";
        } else if (key == "exit") {
            record.exit = parse_count(value);
            if (!record.exit)
                record.problem = "exit=" + value + " is not a whole number";
        }
    }
    using Verb = TestRecord::Verb;
    if (!record.problem.empty())
        return record;
    if ((record.verb == Verb::Start || record.verb == Verb::Output || record.verb == Verb::End) &&
        (!has_id || record.id.empty())) {
        record.problem = "`" + record.verb_text + "` without an id";
    } else if (record.verb == Verb::Listed && !record.exit) {
        record.problem = "`listed` without an exit code";
    } else if (record.verb == Verb::End) {
        if (!has_outcome)
            record.problem = "`end` without an outcome";
        else if (record.outcome != "passed" && record.outcome != "failed" && record.outcome != "skipped" &&
                 record.outcome != "error")
            record.problem =
                "`end` with outcome=" + record.outcome + " (expected passed, failed, skipped or error)";
    }
    return record;
}

RecordReader::RecordReader(std::string mark, OutputHandler on_output, RecordHandler on_record)
    : m_mark(std::move(mark)), m_on_output(std::move(on_output)), m_on_record(std::move(on_record))
{
}

void RecordReader::feed(int stream, std::string_view data)
{
    if (data.empty())
        return;
    scan(stream, m_streams[stream == 2 ? 1 : 0], data);
}

void RecordReader::end_record(int stream, Stream &state)
{
    std::string_view line = state.held;
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    TestRecord record = parse_record(line);
    state.held.clear();
    state.in_record = false;
    m_on_record(stream, record);
}

void RecordReader::scan(int stream, Stream &state, std::string_view data)
{
    // Output mode works on what was held back followed by the new data.
    std::string joined;
    while (!data.empty()) {
        if (state.skipping) {
            const size_t newline = data.find('\n');
            if (newline == std::string_view::npos)
                return;
            state.skipping = false;
            data.remove_prefix(newline + 1);
            continue;
        }
        if (state.in_record) {
            const size_t newline = data.find('\n');
            const std::string_view part = data.substr(0, newline);
            if (state.held.size() + part.size() > max_record_bytes) {
                TestRecord dropped;
                dropped.problem = "a record over 64 KiB was dropped";
                state.held.clear();
                state.in_record = false;
                state.skipping = newline == std::string_view::npos;
                m_on_record(stream, dropped);
            } else {
                state.held.append(part);
                if (newline != std::string_view::npos)
                    end_record(stream, state);
            }
            if (newline == std::string_view::npos)
                return;
            data.remove_prefix(newline + 1);
            continue;
        }
        std::string_view text = data;
        if (!state.held.empty()) {
            joined = std::move(state.held);
            state.held.clear();
            joined.append(data);
            text = joined;
        }
        const size_t at = text.find(m_mark);
        if (at == std::string_view::npos) {
            const size_t keep = partial_mark_at_end(text, m_mark);
            if (text.size() > keep)
                m_on_output(stream, text.substr(0, text.size() - keep));
            state.held.assign(text.substr(text.size() - keep));
            return;
        }
        if (at > 0)
            m_on_output(stream, text.substr(0, at));
        state.in_record = true;
        // The rest may live in `joined`: continue from a copy that outlives the next assignment.
        std::string rest(text.substr(at + m_mark.size()));
        joined = std::move(rest);
        data = joined;
    }
}

void RecordReader::finish()
{
    for (int stream = 1; stream <= 2; ++stream) {
        Stream &state = m_streams[size_t(stream - 1)];
        if (state.in_record) {
            TestRecord dropped;
            dropped.problem = "the command ended in the middle of a record";
            state.held.clear();
            state.in_record = false;
            m_on_record(stream, dropped);
        } else if (!state.held.empty()) {
            m_on_output(stream, state.held);
            state.held.clear();
        }
        state.skipping = false;
    }
}

} // namespace offload

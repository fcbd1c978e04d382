// The test protocol's wire format (docs/test-protocol.md): records framed with a per-command mark
// in a command's output, the percent-encoding of their values, and the `run` lines of a worker's
// input. Pure functions and a streaming reader: no threads, no I/O.
#pragma once

#include "util/percent_encoding.hpp"

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

// A fresh mark for one command: "@offload-event:" and 32 hex digits from the system's randomness.
std::string new_event_mark();

// One worker input line: "run id=ENCODED\n".
std::string worker_input_line(std::string_view test_id);

// A worker command whose input is fixed up front (for providers that cannot feed stdin while the
// command runs): the command with the `run` lines of test_ids as a here-document on its stdin.
// `delimiter_salt` makes the here-document's end line unguessable (the mark's hex digits, say).
std::string command_with_fixed_input(std::string_view worker_command,
                                     const std::vector<std::string> &test_ids,
                                     std::string_view delimiter_salt);

struct TestRecord {
    enum class Verb { Hello, Start, Output, End, Done, Next, List, Listed, Unknown };
    Verb verb = Verb::Unknown;
    std::string verb_text; // as written
    std::string id;
    std::string outcome;              // end: passed, failed, skipped, error
    std::optional<double> secs;       // end
    std::string message;              // end
    std::string data;                 // output, list
    std::optional<long long> count;   // done
    std::optional<long long> version; // hello
    std::optional<long long> exit;    // listed
    // Non-empty when the record cannot be used (says why); such a record changes nothing.
    std::string problem;
};

// Parses what follows the mark up to (without) the line's end: " VERB KEY=VALUE...".
TestRecord parse_record(std::string_view line);

// Splits a command's output, as it arrives in chunks of any size, into the tests' own output and
// records. Each stream (1: stdout, 2: stderr) is read apart. Output is passed on as soon as it
// cannot be the start of a mark (at most the mark's length is held back); a record is passed on
// when its line ends. Memory is bounded by max_record_bytes per stream.
class RecordReader {
  public:
    static constexpr size_t max_record_bytes = 64 * 1024;

    using OutputHandler = std::function<void(int stream, std::string_view data)>;
    using RecordHandler = std::function<void(int stream, const TestRecord &record)>;

    RecordReader(std::string mark, OutputHandler on_output, RecordHandler on_record);

    void feed(int stream, std::string_view data);
    // The command has ended: passes on what was held back (a record without its line end is
    // dropped as malformed: the command died while writing it).
    void finish();

  private:
    struct Stream {
        std::string held; // a possible start of the mark, or a record's line so far
        bool in_record = false;
        bool skipping = false; // an over-long record: drop until its line ends
    };
    void scan(int stream, Stream &state, std::string_view data);
    void end_record(int stream, Stream &state);

    std::string m_mark;
    OutputHandler m_on_output;
    RecordHandler m_on_record;
    std::array<Stream, 2> m_streams;
};

} // namespace offload

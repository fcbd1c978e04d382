// What a framework for compiled test binaries (doctest, Catch2) knows about its tool: how to list a
// binary's test cases, how to select cases on its command line, and how to read its report. The
// rest — binaries from globs, ids, batches, crash attribution — is shared (binary_framework.hpp).
// Not part of the ABI (see text.hpp).
#pragma once

#include "common/framed_parts.hpp"

#include <offload/abi.h>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace offload::common {

// A bad listing or report, with what to tell the user.
struct ToolError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ListedCase {
    std::string name;
    std::string file;     // the source file, empty if unknown
    bool skipped = false; // the tool skips it by itself (doctest::skip()): it is not run
};

struct ListedBinary {
    std::vector<ListedCase> cases;
    std::string variant; // what the tool tells about the binary that batches need (Catch2's major version)
};

struct CaseResult {
    offload_outcome outcome = OFFLOAD_OUTCOME_FAILED;
    double secs = -1;
    std::string message;
    std::string output;
};

// What a case's failures say, as a report reader gathers them: the first one's summary (the
// message), and all of them in full (the output).
struct CaseFailures {
    std::string message;
    std::string text;
    bool crashed = false;
    void add(const std::string &summary, const std::string &full)
    {
        if (message.empty())
            message = summary;
        text += full + "\n";
    }
};

struct ToolReport {
    bool complete = false; // the report is whole
    bool crashed = false;  // it tells of a crash: the cases it does not name may not have run
    // The cases, by name as the tool reports it; a name reported twice keeps the worse result.
    std::multimap<std::string, CaseResult> cases;
};

class BinaryTool {
  public:
    virtual ~BinaryTool() = default;
    // "doctest": for messages.
    virtual std::string name() const = 0;
    // sh commands that list the binary at "$offload_b" (runnable as it stands) and write what they
    // learn as framed parts (offload_part, offload_text) to stdout. "$offload_t" is a scratch
    // directory. extra_args are the user's, quoted for sh.
    virtual std::string listing_script(const std::string &extra_args) const = 0;
    // Reads the parts listing_script wrote for binary; throws ToolError when the binary is not the
    // tool's or its listing cannot be read.
    virtual ListedBinary read_listing(const std::string &binary,
                                      const std::vector<FramedPart> &parts) const = 0;
    // Whether the tool's filter can select exactly this case among others; if not, the case runs
    // in a process of its own, where a pattern that also selects other cases is harmless (their
    // results are not used).
    virtual bool selectable_with_others(const std::string &name) const = 0;
    // The arguments (unquoted) that run exactly these cases of a binary of this variant and write
    // the report to report_path.
    virtual std::vector<std::string> run_arguments(const std::vector<std::string> &names,
                                                   const std::string &variant,
                                                   const std::string &report_path) const = 0;
    // A sh condition, true when the process that just ended (exit code in "$offload_e", report at
    // "$offload_r") ran to its end: its report is whole and tells of no crash. Else each of its
    // cases runs again in a process of its own.
    virtual std::string clean_end_condition() const = 0;
    // Reads a report; an unreadable one is an incomplete report with no cases.
    virtual ToolReport read_report(const std::string &text) const = 0;
    // The name under which a report names the case the listing called name.
    virtual std::string reported_name(const std::string &name) const { return name; }
};

} // namespace offload::common

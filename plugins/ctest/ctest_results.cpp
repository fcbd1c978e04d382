#include "ctest_results.hpp"

#include "common/text.hpp"
#include "common/xml.hpp"

#include <cstdlib>

namespace offload::ctest {

using namespace offload::common;

namespace {

bool skipped_itself(const std::string &message)
{
    return message.rfind("SKIP_RETURN_CODE", 0) == 0 || message.rfind("SKIP_REGULAR_EXPRESSION", 0) == 0;
}

CTestResult read_case(const XmlNode *node, std::string_view console)
{
    CTestResult result;
    const std::string name = xml_attribute(node, "name");
    result.status = xml_attribute(node, "status");
    const std::string time = xml_attribute(node, "time");
    if (!time.empty())
        result.secs = std::strtod(time.c_str(), nullptr);
    result.output = xml_text(node->first_node("system-out"));
    const std::string failure = xml_attribute(node->first_node("failure"), "message");
    const std::string skipped = xml_attribute(node->first_node("skipped"), "message");
    const std::string reason = console_reason(console, name);
    if (result.status == "run") {
        result.outcome = OFFLOAD_OUTCOME_PASSED;
    } else if (result.status == "fail") {
        result.outcome = OFFLOAD_OUTCOME_FAILED;
        result.message = !failure.empty() ? failure : !reason.empty() ? reason : "Failed";
    } else if (result.status == "disabled") {
        result.outcome = OFFLOAD_OUTCOME_SKIPPED;
        result.message = "disabled: its DISABLED property is set";
    } else if (result.status == "notrun" && skipped_itself(skipped)) {
        result.outcome = OFFLOAD_OUTCOME_SKIPPED;
        result.message = "skipped (" + skipped + ")";
    } else if (result.status == "notrun") {
        result.outcome = OFFLOAD_OUTCOME_FAILED;
        result.message = "not run: " + (!skipped.empty() ? skipped
                                        : reason.empty() ? "ctest did not run it"
                                                         : reason);
    } else {
        result.outcome = OFFLOAD_OUTCOME_ERROR;
        result.message = "ctest reported the status \"" + result.status + "\", which offload does not know";
    }
    return result;
}

} // namespace

std::string console_reason(std::string_view console, std::string_view name)
{
    std::string reason;
    for_each_line(console, [&](std::string_view line) {
        // ctest pads the number to the width of the largest: "Test  #9:", "Test #12:".
        const size_t word = line.find(" Test ");
        const size_t test = word == std::string_view::npos ? word : line.find_first_not_of(' ', word + 6);
        if (test == std::string_view::npos || line[test] != '#')
            return;
        const size_t colon = line.find(": ", test);
        if (colon == std::string_view::npos || line.substr(colon + 2, name.size()) != name)
            return;
        std::string_view rest = line.substr(colon + 2 + name.size());
        if (rest.empty() || rest.front() != ' ')
            return;
        rest = trim(rest);
        const size_t dots = rest.find_first_not_of('.');
        if (dots == std::string_view::npos || dots == 0)
            return;
        rest = rest.substr(dots);
        // The duration at the end: "   1.00 sec".
        if (rest.size() > 4 && rest.substr(rest.size() - 4) == " sec") {
            rest.remove_suffix(4);
            rest = trim(rest);
            const size_t space = rest.find_last_of(' ');
            rest = space == std::string_view::npos ? std::string_view() : trim(rest.substr(0, space));
        }
        reason = trim(replace_all(std::string(rest), "***", " "));
    });
    return reason;
}

CTestRun read_ctest_run(std::string_view junit, std::string_view console)
{
    CTestRun run;
    const XmlDocument document(junit);
    const XmlNode *suite = document.root();
    if (!suite) {
        run.error = "ctest's JUnit file is not well-formed XML (" + document.error() + ")";
        return run;
    }
    if (std::string_view(suite->name(), suite->name_size()) != "testsuite") {
        run.error = "ctest's JUnit file has no <testsuite>";
        return run;
    }
    for (const XmlNode *node = suite->first_node("testcase"); node; node = node->next_sibling("testcase")) {
        CTestResult result = read_case(node, console);
        auto [it, added] = run.tests.emplace(xml_attribute(node, "name"), result);
        // A name twice (two directories' tests of one name): the worse result stands.
        if (!added && result.outcome != OFFLOAD_OUTCOME_PASSED && result.outcome != OFFLOAD_OUTCOME_SKIPPED)
            it->second = std::move(result);
    }
    run.whole = true;
    return run;
}

} // namespace offload::ctest

#include "doctest_tool.hpp"

#include "common/text.hpp"
#include "common/xml.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

using namespace offload::common;

namespace offload::doctest_plugin {

namespace {

// The elements named name below node, at any depth, in document order.
template <typename Visit> void for_each_element(const XmlNode *node, const char *name, Visit &&visit)
{
    for (const XmlNode *child = node->first_node(); child; child = child->next_sibling()) {
        if (child->type() != rapidxml::node_element)
            continue;
        if (std::strcmp(child->name(), name) == 0)
            visit(child);
        else
            for_each_element(child, name, visit);
    }
}

void collect(const XmlNode *node, const std::string &subcase, CaseFailures &failures)
{
    for (const XmlNode *child = node->first_node(); child; child = child->next_sibling()) {
        if (child->type() != rapidxml::node_element)
            continue;
        const std::string name = child->name();
        const std::string where = xml_attribute(child, "filename") + ":" + xml_attribute(child, "line") +
                                  ": " + (subcase.empty() ? std::string() : "in subcase " + subcase + ": ");
        if (name == "SubCase") {
            collect(child,
                    subcase.empty() ? xml_attribute(child, "name")
                                    : subcase + " / " + xml_attribute(child, "name"),
                    failures);
        } else if (name == "Expression" && xml_attribute(child, "success") == "false") {
            const std::string type = xml_attribute(child, "type");
            const std::string original = xml_text(child->first_node("Original"));
            const std::string expanded = xml_text(child->first_node("Expanded"));
            std::string full = where + type + "( " + original + " ) is NOT correct!\n  values: " + type +
                               "( " + expanded + " )";
            if (const XmlNode *exception = child->first_node("Exception"))
                full += "\n  threw: " + xml_text(exception);
            for (const XmlNode *info = child->first_node("Info"); info; info = info->next_sibling("Info"))
                full += "\n  with: " + xml_text(info);
            failures.add(type + "( " + original + " ) is NOT correct: " + expanded, full);
        } else if (name == "Exception") {
            const bool crash = xml_attribute(child, "crash") == "true";
            failures.crashed = failures.crashed || crash;
            const std::string summary = (crash ? "crashed: " : "exception: ") + xml_text(child);
            failures.add(summary, (subcase.empty() ? "" : "in subcase " + subcase + ": ") + summary);
        } else if (name == "Message") {
            const std::string type = xml_attribute(child, "type");
            const std::string text = xml_text(child->first_node("Text"));
            if (type.find("WARN") == std::string::npos)
                failures.add(type + ": " + text, where + type + ": " + text);
            else
                failures.text += where + type + ": " + text + "\n";
        }
    }
}

} // namespace

std::vector<std::pair<std::string, std::string>> DoctestTool::forbidden_args()
{
    const std::string chooses = "offload chooses the test cases of each run";
    const std::string reads = "offload reads doctest's XML report";
    return {{"--test-case", chooses}, {"-tc", chooses},    {"--reporters", reads},        {"-r", reads},
            {"--out", reads},         {"-o", reads},       {"--list-test-cases", reads},  {"-ltc", reads},
            {"--exit", reads},        {"--no-run", reads}, {"--case-sensitive", chooses}, {"-cs", chooses}};
}

std::string DoctestTool::filter_problem(const std::vector<std::string> &words)
{
    static const char *const options[] = {"-tc", "--test-case",   "-tce", "--test-case-exclude",
                                          "-ts", "--test-suite",  "-tse", "--test-suite-exclude",
                                          "-sf", "--source-file", "-sfe", "--source-file-exclude"};
    for (const std::string &word : words) {
        std::string option = word.substr(0, word.find('='));
        if (option.rfind("--dt-", 0) == 0)
            option = "-" + option.substr(5);
        const bool known = std::any_of(std::begin(options), std::end(options), [&](const char *name) {
            return option == name || option == "-" + std::string(name);
        });
        if (!known || word.find('=') == std::string::npos || word.size() == option.size() + 1)
            return word + " is not one of doctest's filters: a group of doctest cases takes -tc=, -tce=, "
                          "-ts=, -tse=, -sf= and -sfe= with their patterns (e.g. \"-ts=fast -tce=*slow*\")";
    }
    return {};
}

std::string DoctestTool::listing_script(const std::string &extra_args) const
{
    const std::string extra = extra_args.empty() ? "" : " " + extra_args;
    return "  \"$offload_b\" --list-test-cases --no-skip --reporters=xml --out=\"$offload_t/list\"" + extra +
           " >\"$offload_t/log\" 2>&1 </dev/null\n"
           "  offload_text exit $?\n"
           "  offload_part listing \"$offload_t/list\"\n"
           "  offload_part log \"$offload_t/log\"\n";
}

ListedBinary DoctestTool::read_listing(const std::string &binary, const std::vector<FramedPart> &parts) const
{
    const FramedPart *exit = find_part(parts, "exit");
    const FramedPart *listing = find_part(parts, "listing");
    const FramedPart *log = find_part(parts, "log");
    const XmlDocument document(listing ? listing->body : std::string());
    if (!document.root() || std::strcmp(document.root()->name(), "doctest") != 0) {
        const std::string said = log ? last_lines(log->body, 10) : std::string();
        throw ToolError(binary + " is not a doctest binary: `" + binary +
                        " --list-test-cases --reporters=xml` wrote no doctest listing (exit code " +
                        (exit ? exit->body : std::string("?")) + ")" + (said.empty() ? "" : ":\n" + said) +
                        "\nName only doctest test binaries in [discovery] binaries.");
    }
    ListedBinary listed;
    for_each_element(document.root(), "TestCase", [&](const XmlNode *node) {
        listed.cases.push_back({xml_attribute(node, "name"), xml_attribute(node, "filename"),
                                xml_attribute(node, "skipped") == "true"});
    });
    return listed;
}

std::string doctest_filter_item(const std::string &name)
{
    std::string item;
    for (char c : name) {
        if (c == '\\' || c == ',')
            item += '\\';
        item += c;
    }
    return item;
}

bool DoctestTool::selectable_with_others(const std::string &name) const
{
    // doctest's filters are wildcards with no escape for * and ?.
    return name.find_first_of("*?") == std::string::npos;
}

std::vector<std::string> DoctestTool::run_arguments(const std::vector<std::string> &names,
                                                    const std::string &, const std::string &report_path) const
{
    std::string filter;
    for (const std::string &name : names)
        filter += (filter.empty() ? "" : ",") + doctest_filter_item(name);
    return {"--test-case=" + filter, "--case-sensitive=true", "--duration=true", "--reporters=xml",
            "--out=" + report_path};
}

std::string DoctestTool::clean_end_condition() const
{
    return "[ \"$offload_e\" -le 1 ] && [ -f \"$offload_r\" ] && tail -c 64 \"$offload_r\" | grep -q "
           "'</doctest>' "
           "&& ! grep -q 'crash=\"true\"' \"$offload_r\"";
}

ToolReport DoctestTool::read_report(const std::string &text) const
{
    ToolReport report;
    const XmlDocument document(text);
    if (!document.root() || std::strcmp(document.root()->name(), "doctest") != 0)
        return report;
    report.complete = true;
    for_each_element(document.root(), "TestCase", [&](const XmlNode *node) {
        CaseResult result;
        CaseFailures failures;
        collect(node, "", failures);
        report.crashed = report.crashed || failures.crashed;
        const XmlNode *overall = node->first_node("OverallResultsAsserts");
        if (xml_attribute(node, "skipped") == "true") {
            result.outcome = OFFLOAD_OUTCOME_SKIPPED;
            result.message = "skipped by doctest";
        } else if (!overall) {
            result.outcome = OFFLOAD_OUTCOME_FAILED;
            result.message = "doctest's report ends before this case did";
        } else if (xml_attribute(overall, "test_case_success") == "true") {
            result.outcome = OFFLOAD_OUTCOME_PASSED;
            if (!failures.text.empty())
                result.output = failures.text; // may_fail, should_fail, expected_failures: what failed
        } else {
            result.outcome = OFFLOAD_OUTCOME_FAILED;
            result.message = failures.message.empty() ? "doctest reports the case failed" : failures.message;
            result.output = failures.text;
        }
        const std::string duration = xml_attribute(overall, "duration");
        if (!duration.empty())
            result.secs = std::strtod(duration.c_str(), nullptr);
        report.cases.emplace(xml_attribute(node, "name"), std::move(result));
    });
    return report;
}

} // namespace offload::doctest_plugin

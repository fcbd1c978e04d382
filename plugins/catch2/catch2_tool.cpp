#include "catch2_tool.hpp"

#include "common/text.hpp"
#include "common/xml.hpp"

#include <cctype>
#include <cstring>

using namespace offload::common;

namespace offload::catch2_plugin {

namespace {

bool starts_with_exclude(const std::string &name)
{
    std::string head = std::string(trim(name)).substr(0, 8);
    for (char &c : head)
        c = char(std::tolower((unsigned char)c));
    return head == "exclude:";
}

void collect(const XmlNode *node, const std::string &section, CaseFailures &failures)
{
    for (const XmlNode *child = node->first_node(); child; child = child->next_sibling()) {
        if (child->type() != rapidxml::node_element)
            continue;
        const std::string name = child->name();
        const std::string where = xml_attribute(child, "filename") + ":" + xml_attribute(child, "line") +
                                  ": " + (section.empty() ? std::string() : "in section " + section + ": ");
        if (name == "Section") {
            collect(child,
                    section.empty() ? xml_attribute(child, "name")
                                    : section + " / " + xml_attribute(child, "name"),
                    failures);
        } else if (name == "Expression" && xml_attribute(child, "success") == "false") {
            const std::string type = xml_attribute(child, "type");
            const std::string original = xml_text(child->first_node("Original"));
            const std::string expanded = xml_text(child->first_node("Expanded"));
            failures.add(type + "( " + original + " ) failed: " + expanded,
                         where + type + "( " + original + " ) failed\n  with expansion: " + expanded);
        } else if (name == "Exception" || name == "FatalErrorCondition" || name == "Failure") {
            const bool crash = name == "FatalErrorCondition";
            failures.crashed = failures.crashed || crash;
            const std::string text = xml_text(child);
            const std::string summary = crash                 ? "crashed: " + text
                                        : name == "Exception" ? "exception: " + text
                                                              : text;
            failures.add(summary, where + summary);
        } else if (name == "Info" || name == "Warning") {
            failures.text += where + name + ": " + xml_text(child) + "\n";
        }
    }
}

} // namespace

Catch2Tool::Catch2Tool(const offload::sdk::Config &config)
    : m_include_hidden(config.boolean("include_hidden").value_or(false))
{
}

std::vector<std::pair<std::string, std::string>> Catch2Tool::forbidden_args()
{
    const std::string reads = "offload reads Catch2's XML report";
    const std::string lists = "offload lists the test cases itself";
    return {{"--reporter", reads},
            {"-r", reads},
            {"--out", reads},
            {"-o", reads},
            {"--list-tests", lists},
            {"-l", lists},
            {"--list-test-names-only", lists},
            {"--input-file", "offload chooses the test cases of each run"},
            {"-f", "offload chooses the test cases of each run"},
            {"--durations", reads},
            {"-d", reads}};
}

std::string Catch2Tool::listing_script(const std::string &extra_args) const
{
    const std::string spec = m_include_hidden ? " '*,[.]'" : "";
    const std::string extra = extra_args.empty() ? "" : " " + extra_args;
    return "  \"$offload_b\" --libidentify >\"$offload_t/identify\" 2>&1 </dev/null\n"
           "  offload_part identify \"$offload_t/identify\"\n"
           "  if grep -q '^version: *2\\.' \"$offload_t/identify\"; then\n"
           "    \"$offload_b\" --list-test-names-only" +
           spec + extra +
           "\n"
           "  else\n"
           "    \"$offload_b\" --list-tests --verbosity quiet" +
           spec + extra +
           "\n"
           "  fi >\"$offload_t/list\" 2>\"$offload_t/log\" </dev/null\n"
           "  offload_text exit $?\n"
           "  offload_part listing \"$offload_t/list\"\n"
           "  offload_part log \"$offload_t/log\"\n";
}

ListedBinary Catch2Tool::read_listing(const std::string &binary, const std::vector<FramedPart> &parts) const
{
    const FramedPart *identify = find_part(parts, "identify");
    const FramedPart *exit = find_part(parts, "exit");
    const FramedPart *listing = find_part(parts, "listing");
    const FramedPart *log = find_part(parts, "log");
    std::string framework, version;
    if (identify)
        for_each_line(identify->body, [&](std::string_view line) {
            const size_t colon = line.find(':');
            if (colon == std::string_view::npos)
                return;
            const std::string_view key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
            if (key == "framework")
                framework = value;
            else if (key == "version")
                version = value;
        });
    if (framework.find("Catch") == std::string::npos || version.empty())
        throw ToolError(
            binary + " is not a Catch2 binary: `" + binary + " --libidentify` does not name Catch2" +
            (identify && !trim(identify->body).empty() ? ":\n" + last_lines(identify->body, 10) : "") +
            "\nName only Catch2 test binaries in [discovery] binaries.");
    ListedBinary listed;
    listed.variant = version.substr(0, version.find('.'));
    const int code = exit ? std::atoi(exit->body.c_str()) : -1;
    // Catch2 v2 ends its listing with the number of cases as its exit code.
    if (listed.variant != "2" && code != 0)
        throw ToolError("listing the test cases of " + binary + " failed (exit code " + std::to_string(code) +
                        ")" + (log && !log->body.empty() ? ":\n" + last_lines(log->body, 10) : ""));
    for_each_line(listing ? listing->body : std::string(), [&](std::string_view line) {
        std::string name(line);
        // v2 quotes a name that starts with "#", which would read as a comment.
        if (name.size() >= 3 && name.front() == '"' && name[1] == '#' && name.back() == '"')
            name = name.substr(1, name.size() - 2);
        if (!trim(name).empty())
            listed.cases.push_back({name, "", false});
    });
    return listed;
}

std::string catch2_spec_item(const std::string &name)
{
    const std::string trimmed(trim(name));
    if (starts_with_exclude(trimmed))
        return "*" + catch2_spec_item(trimmed.substr(1)); // "*xclude:NAME": ends with what follows "e"
    std::string item;
    for (size_t i = 0; i < trimmed.size(); ++i) {
        const char c = trimmed[i];
        if (std::strchr("\\,[]*\"~", c) || (i == 0 && !std::isalnum((unsigned char)c)))
            item += '\\';
        item += c;
    }
    return item;
}

bool Catch2Tool::selectable_with_others(const std::string &name) const
{
    return !starts_with_exclude(name);
}

std::vector<std::string> Catch2Tool::run_arguments(const std::vector<std::string> &names, const std::string &,
                                                   const std::string &report_path) const
{
    std::string spec;
    for (const std::string &name : names)
        spec += (spec.empty() ? "" : ",") + catch2_spec_item(name);
    return {spec, "--reporter", "xml", "--out", report_path, "--durations", "yes"};
}

std::string Catch2Tool::clean_end_condition() const
{
    return "[ -f \"$offload_r\" ] && tail -c 64 \"$offload_r\" | grep -q '</Catch' && ! grep -q "
           "'<FatalErrorCondition' \"$offload_r\"";
}

std::string Catch2Tool::reported_name(const std::string &name) const
{
    return std::string(trim(name));
}

ToolReport Catch2Tool::read_report(const std::string &text) const
{
    ToolReport report;
    const XmlDocument document(text);
    if (!document.root() || std::strncmp(document.root()->name(), "Catch", 5) != 0)
        return report;
    report.complete = true;
    std::vector<const XmlNode *> cases;
    for (const XmlNode *node = document.root()->first_node(); node; node = node->next_sibling()) {
        if (std::strcmp(node->name(), "Group") == 0) // v2
            for (const XmlNode *test = node->first_node("TestCase"); test;
                 test = test->next_sibling("TestCase"))
                cases.push_back(test);
        else if (std::strcmp(node->name(), "TestCase") == 0) // v3
            cases.push_back(node);
    }
    for (const XmlNode *node : cases) {
        CaseResult result;
        CaseFailures failures;
        collect(node, "", failures);
        report.crashed = report.crashed || failures.crashed;
        const XmlNode *overall = node->first_node("OverallResult");
        std::string output = failures.text;
        for (const char *stream : {"StdOut", "StdErr"})
            if (const XmlNode *captured = overall ? overall->first_node(stream) : nullptr)
                output += std::string(stream) + ":\n" + xml_text(captured) + "\n";
        if (!overall) {
            result.message = "Catch2's report ends before this case did";
        } else if (xml_attribute(overall, "success") == "true") {
            const std::string skips = xml_attribute(overall, "skips", "0");
            result.outcome = skips != "0" ? OFFLOAD_OUTCOME_SKIPPED : OFFLOAD_OUTCOME_PASSED;
            if (result.outcome == OFFLOAD_OUTCOME_SKIPPED) {
                const XmlNode *skip = node->first_node("Skip");
                result.message =
                    skip && !xml_text(skip).empty() ? "skipped: " + xml_text(skip) : "skipped by SKIP()";
            }
            if (!failures.text.empty())
                result.output = output; // [!mayfail], [!shouldfail]: what failed
        } else {
            result.message = failures.message.empty() ? "Catch2 reports the case failed" : failures.message;
            result.output = output;
        }
        const std::string duration = xml_attribute(overall, "durationInSeconds");
        if (!duration.empty())
            result.secs = std::strtod(duration.c_str(), nullptr);
        report.cases.emplace(std::string(trim(xml_attribute(node, "name"))), std::move(result));
    }
    return report;
}

} // namespace offload::catch2_plugin

// Discovery for the binary frameworks: the globs expanded by sh in the project directory, each
// executable file they match listed by the tool, the listings framed into one output.
#include "common/binary_framework.hpp"
#include "common/command.hpp"
#include "common/text.hpp"

#include <cctype>

namespace offload::common {

namespace {

// A glob as a sh word: its wildcards (*, ?, and [...] of plain characters) bare, everything else
// quoted, so that sh expands the pattern and nothing else in it.
std::string glob_word(const offload_host *host, const std::string &glob)
{
    std::string word, literal;
    auto flush = [&] {
        if (!literal.empty())
            word += offload::sdk::shell_quote(host, literal);
        literal.clear();
    };
    for (size_t i = 0; i < glob.size(); ++i) {
        const char c = glob[i];
        if (c == '*' || c == '?') {
            flush();
            word += c;
            continue;
        }
        if (c == '[') {
            size_t end = i + 1;
            if (end < glob.size() && (glob[end] == '!' || glob[end] == '^'))
                ++end;
            while (end < glob.size() && (std::isalnum((unsigned char)glob[end]) || glob[end] == '-' ||
                                         glob[end] == '_' || glob[end] == '.'))
                ++end;
            if (end < glob.size() && glob[end] == ']' && end > i + 1) {
                flush();
                word += glob.substr(i, end - i + 1);
                i = end;
                continue;
            }
        }
        literal += c;
    }
    flush();
    return word;
}

} // namespace

std::string BinaryFramework::discover_command(const std::vector<std::string> &filters) const
{
    std::vector<std::string> listing_args = m_settings.extra_args;
    listing_args.insert(listing_args.end(), filters.begin(), filters.end());
    std::string script;
    if (!m_settings.build_command.empty())
        script +=
            "{ " + m_settings.build_command +
            "\n} >&2 || { offload_e=$?; echo \"offload: build_command failed (exit code $offload_e)\" >&2; "
            "exit 1; }\n";
    script += "offload_t=$(mktemp -d \"${TMPDIR:-/tmp}/offload-listing.XXXXXX\") || exit 1\n"
              "trap 'rm -rf \"$offload_t\"' EXIT\n" +
              framed_part_functions() +
              "offload_list() {\n"
              "  offload_text binary \"$1\"\n"
              "  case $1 in */*) offload_b=$1 ;; *) offload_b=./$1 ;; esac\n"
              "  rm -rf \"$offload_t\"/*\n" +
              m_tool->listing_script(shell_words(m_host, listing_args)) + "}\n";
    for (size_t i = 0; i < m_settings.binaries.size(); ++i)
        script += "offload_found=0\nfor offload_f in " + glob_word(m_host, m_settings.binaries[i]) +
                  "; do\n"
                  "  if [ -f \"$offload_f\" ] && [ -x \"$offload_f\" ]; then offload_found=1; offload_list "
                  "\"$offload_f\"; fi\n"
                  "done\n"
                  "if [ $offload_found = 0 ]; then offload_text missing " +
                  std::to_string(i) + " ''; fi\n";
    return script;
}

void BinaryFramework::parse_discovery(const offload_discovery_output &output,
                                      const offload_test_sink &tests) const
{
    const std::string_view err(output.stderr_text, output.stderr_length);
    if (output.exit_code != 0)
        throw ToolError("the " + m_tool->name() + " discovery exited with code " +
                        std::to_string(output.exit_code) +
                        (err.empty() ? std::string() : ":\n" + last_lines(err, 20)));
    const FramedParts framed = read_framed_parts({output.stdout_text, output.stdout_length});
    if (framed.damage)
        throw ToolError("the " + m_tool->name() + " discovery's output cannot be read: " + *framed.damage);

    std::map<std::string, Binary> learned;
    std::set<std::string> seen_ids;
    auto list = [&](const std::string &binary, const std::vector<FramedPart> &parts) {
        if (binary.empty() || learned.count(binary))
            return;
        if (binary.find("::") != std::string::npos || binary.find('\n') != std::string::npos)
            throw ToolError(
                "the test binary \"" + binary +
                "\" has \"::\" or a line feed in its path, which test ids cannot hold: rename it");
        const ListedBinary listed = m_tool->read_listing(binary, parts);
        Binary &state = learned[binary];
        state.variant = listed.variant;
        for (const ListedCase &listed_case : listed.cases) {
            if (listed_case.name.empty()) {
                offload::sdk::log(m_host, OFFLOAD_LOG_WARNING,
                                  binary +
                                      " has a test case without a name, which cannot be selected: left out");
                continue;
            }
            const std::string id = binary + "::" + listed_case.name;
            if (!seen_ids.insert(id).second)
                continue; // a name the tool has twice: both run under the one id
            if (listed_case.skipped)
                state.skipped.insert(listed_case.name);
            offload_discovered_test test{sizeof(offload_discovered_test), id.c_str(),
                                         listed_case.file.empty() ? nullptr : listed_case.file.c_str()};
            tests.add(tests.context, &test);
        }
    };
    std::string binary;
    std::vector<FramedPart> parts;
    for (const FramedPart &part : framed.parts) {
        const std::string kind = part.fields.empty() ? std::string() : part.fields[0];
        if (kind == "missing") {
            const size_t index = part.fields.size() > 1 ? std::stoul(part.fields[1]) : 0;
            throw ToolError(
                "binaries[" + std::to_string(index) + "] = \"" +
                (index < m_settings.binaries.size() ? m_settings.binaries[index] : "?") +
                "\" matches no executable file (relative to the project directory): build the tests "
                "first, set build_command, or correct the path");
        }
        if (kind == "binary") {
            list(binary, parts);
            binary = part.body;
            parts.clear();
        } else {
            parts.push_back(part);
        }
    }
    list(binary, parts);
    std::lock_guard lock(m_mutex);
    for (auto &[path, state] : learned) {
        Binary &kept = m_binaries[path];
        kept.variant = state.variant;
        kept.skipped.insert(state.skipped.begin(), state.skipped.end());
    }
}

BinaryFramework::Binary BinaryFramework::binary(const std::string &path) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_binaries.find(path);
    return it == m_binaries.end() ? Binary{} : it->second;
}

} // namespace offload::common

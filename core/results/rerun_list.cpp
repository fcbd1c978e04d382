#include "results/rerun_list.hpp"

#include "util/atomic_file.hpp"
#include "util/percent_encoding.hpp"

#include <fmt/format.h>

#include <fstream>

namespace offload {

namespace {
constexpr std::string_view header = "offload-rerun-list 1";
} // namespace

Expected<void> write_rerun_list(const std::filesystem::path &path, const RunReport &report)
{
    std::string text = std::string(header) + "\n";
    for (const TestReport &test : report.tests) {
        const Outcome outcome = test.final_outcome();
        if (outcome != Outcome::Passed && outcome != Outcome::Skipped)
            text += percent_encode(test.id) + "\n";
    }
    return write_file_atomically(path, text);
}

Expected<std::optional<std::vector<std::string>>> read_rerun_list(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::optional<std::vector<std::string>>();
    std::string line;
    if (!std::getline(in, line) || line != header)
        return failure(fmt::format("{} is not a list of tests to run again (it does not start with \"{}\")",
                                   path.string(), header));
    std::vector<std::string> ids;
    while (std::getline(in, line))
        if (!line.empty())
            ids.push_back(percent_decode(line));
    return std::optional<std::vector<std::string>>(std::move(ids));
}

} // namespace offload

#include "scheduler/estimates.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace offload {

namespace {

double median(std::vector<double> &values)
{
    auto middle = values.begin() + std::ptrdiff_t(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

} // namespace

std::vector<double> estimate_durations(const std::vector<TestReport> &tests, const History &history,
                                       double fallback_secs)
{
    std::vector<double> estimates(tests.size(), -1);
    std::unordered_map<std::string, std::vector<double>> known_by_file;
    std::vector<double> known;
    for (size_t i = 0; i < tests.size(); ++i) {
        if (const History::Entry *entry = history.find(tests[i].id)) {
            // No test takes no time: a JUnit time rounded down to 0 would let the plan pile any
            // number of such tests into one batch, and make that batch look like a straggler.
            const double secs = std::max(min_test_secs, entry->mean_secs);
            estimates[i] = secs;
            known.push_back(secs);
            if (!tests[i].file.empty())
                known_by_file[tests[i].file].push_back(secs);
        }
    }
    if (known.empty())
        return std::vector<double>(tests.size(), fallback_secs);
    std::unordered_map<std::string, double> file_median;
    for (auto &[file, values] : known_by_file)
        file_median[file] = median(values);
    const double overall = median(known);
    for (size_t i = 0; i < tests.size(); ++i) {
        if (estimates[i] >= 0)
            continue;
        auto found = file_median.find(tests[i].file);
        estimates[i] = found != file_median.end() ? found->second : overall;
    }
    return estimates;
}

} // namespace offload

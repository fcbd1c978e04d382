#include "history/history_import.hpp"

#include "util/json_reader.hpp"
#include "util/read_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <tuple>

namespace offload {

namespace {

constexpr uint64_t max_import_bytes = uint64_t{1} << 30;

bool is_name(std::string_view text)
{
    return !text.empty() && text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                   "0123456789_-") == std::string_view::npos;
}

// One sample array of a record: [[RUN, UNIX_MS, SECS], ...]; adds the durations and the latest time.
void read_samples(JsonReader &json, std::vector<double> &secs, double &latest_ms)
{
    json.begin_array();
    while (json.next_element()) {
        json.begin_array();
        if (!json.next_element())
            json.fail("a sample is [run, unix_ms, secs]");
        json.string();
        if (!json.next_element())
            json.fail("a sample is [run, unix_ms, secs]");
        latest_ms = std::max(latest_ms, json.number());
        if (!json.next_element())
            json.fail("a sample is [run, unix_ms, secs]");
        const double value = json.number();
        if (json.next_element())
            json.fail("a sample is [run, unix_ms, secs]");
        if (std::isfinite(value) && value >= 0)
            secs.push_back(value);
    }
}

struct RustRecord {
    std::string config;
    std::string id;
    std::vector<double> ok, fail;
    double latest_ms = 0;
};

RustRecord read_record(std::string_view line)
{
    JsonReader json(line);
    RustRecord record;
    bool have_key = false, have_values = false;
    json.begin_object();
    std::string key;
    while (json.next_key(key)) {
        if (key == "k") {
            json.begin_array();
            if (!json.next_element())
                json.fail("\"k\" is [config_file, test_id]");
            record.config = json.string();
            if (!json.next_element())
                json.fail("\"k\" is [config_file, test_id]");
            record.id = json.string();
            if (json.next_element())
                json.fail("\"k\" is [config_file, test_id]");
            have_key = true;
        } else if (key == "v") {
            json.begin_object();
            std::string field;
            while (json.next_key(field)) {
                if (field == "ok")
                    read_samples(json, record.ok, record.latest_ms);
                else if (field == "fail")
                    read_samples(json, record.fail, record.latest_ms);
                else
                    json.skip(); // n, f, last_run: counts this offload keeps its own way
            }
            have_values = true;
        } else {
            json.skip();
        }
    }
    json.finish();
    if (!have_key || !have_values || record.id.empty())
        json.fail("a record has \"k\": [config_file, test_id] and \"v\": {...}");
    return record;
}

double mean(const std::vector<double> &values)
{
    double sum = 0;
    for (double value : values)
        sum += value;
    return sum / double(values.size());
}

std::string_view first_line(std::string_view text)
{
    while (!text.empty()) {
        const size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (line.find_first_not_of(" \t\r") != std::string_view::npos)
            return line;
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
    return {};
}

} // namespace

std::vector<std::string> offload_ids_of(std::string_view their_id)
{
    std::vector<std::string> ids{std::string(their_id)};
    const size_t space = their_id.find(' ');
    if (space == std::string_view::npos)
        return ids;
    const std::string_view binary = their_id.substr(0, space), name = their_id.substr(space + 1);
    if (name.empty())
        return ids;
    // nextest's binary ids: CRATE (the library), CRATE::bin/NAME, CRATE::example/NAME,
    // CRATE::bench/NAME, CRATE::NAME (an integration test).
    const size_t colons = binary.find("::");
    const std::string_view package = binary.substr(0, colons);
    if (!is_name(package))
        return ids;
    std::string target;
    if (colons == std::string_view::npos) {
        target = "lib";
    } else {
        std::string_view rest = binary.substr(colons + 2);
        std::string kind = "test";
        for (std::string_view prefix : {"bin/", "example/", "bench/"})
            if (rest.starts_with(prefix)) {
                kind = std::string(prefix.substr(0, prefix.size() - 1));
                rest.remove_prefix(prefix.size());
                break;
            }
        if (!is_name(rest))
            return ids;
        target = kind + "(" + std::string(rest) + ")";
    }
    ids.push_back(target + "::" + std::string(name));
    ids.push_back(std::string(package) + "/" + target + "::" + std::string(name));
    return ids;
}

bool looks_like_rust_history(std::string_view text)
{
    const std::string_view line = first_line(text);
    if (line.empty() || line.find_first_not_of(" \t") == std::string_view::npos ||
        line[line.find_first_not_of(" \t")] != '{')
        return false;
    try {
        read_record(line);
        return true;
    } catch (const JsonError &) {
        return false;
    }
}

Expected<std::vector<std::pair<std::string, double>>> parse_imported_timings(std::string_view text,
                                                                             const std::string &config_name)
{
    std::vector<std::pair<std::string, double>> timings;
    if (first_line(text).starts_with("offload-history ")) {
        Expected<History> ours = History::parse(std::string(text));
        if (!ours)
            return failure(ours.error());
        for (const auto &[id, entry] : ours->entries())
            if (entry.samples > 0)
                timings.emplace_back(id, entry.mean_secs);
        return timings;
    }
    // By id: whether the record is config_name's, its latest sample, its timing.
    std::map<std::string, std::tuple<bool, double, double>> best;
    size_t line_number = 0;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos)
            continue;
        RustRecord record;
        try {
            record = read_record(line);
        } catch (const JsonError &e) {
            return failure(fmt::format("line {} is neither offload's history format nor a record of the Rust "
                                       "offload's offload-history.jsonl ({})",
                                       line_number, e.what()));
        }
        if (record.ok.empty() && record.fail.empty())
            continue;
        const double secs = mean(record.ok.empty() ? record.fail : record.ok);
        const std::tuple<bool, double, double> candidate{record.config == config_name, record.latest_ms,
                                                         secs};
        for (std::string &id : offload_ids_of(record.id)) {
            auto [known, added] = best.emplace(std::move(id), candidate);
            if (!added && std::get<0>(candidate) >= std::get<0>(known->second) &&
                (std::get<0>(candidate) > std::get<0>(known->second) ||
                 std::get<1>(candidate) > std::get<1>(known->second)))
                known->second = candidate;
        }
    }
    for (const auto &[id, chosen] : best)
        timings.emplace_back(id, std::get<2>(chosen));
    return timings;
}

Expected<void> check_own_history(const std::filesystem::path &path)
{
    std::error_code code;
    if (!std::filesystem::is_regular_file(path, code) || std::filesystem::file_size(path, code) == 0 || code)
        return {};
    // The first line tells: a header of offload's own, or a record of the Rust offload's.
    constexpr size_t enough = size_t{1} << 20;
    std::string text;
    Expected<void> read = read_file_chunks(path, [&](std::string_view chunk) {
        text.append(chunk.substr(0, enough - text.size()));
        return text.size() < enough && text.find('\n') == std::string::npos;
    });
    if (!read && text.empty())
        return {}; // History::load reports what is wrong with reading it
    if (first_line(text).starts_with("offload-history "))
        return {};
    if (looks_like_rust_history(text))
        return failure(fmt::format(
            "[history] path is {}, a history of the Rust offload (offload-history.jsonl), which this "
            "offload reads but never writes: list it in [history] import = [\"{}\"] to schedule with its "
            "timings, and leave [history] path to a file of offload's own (the default is "
            "\".offload/history\")",
            path.string(), path.string()));
    return failure(fmt::format("[history] path is {}, which is not a timing history of offload's: it is "
                               "left as it is. Move the file away, or set [history] path to another file "
                               "(the default is \".offload/history\")",
                               path.string()));
}

Expected<size_t> import_timings(const std::filesystem::path &path, const std::string &config_name,
                                History &history)
{
    std::string text;
    Expected<void> read = read_file_chunks(
        path,
        [&](std::string_view chunk) {
            if (text.size() + chunk.size() > max_import_bytes)
                return false;
            text.append(chunk);
            return true;
        },
        fmt::format("{} is larger than a history can be", path.string()));
    if (!read)
        return failure(read.error());
    Expected<std::vector<std::pair<std::string, double>>> timings = parse_imported_timings(text, config_name);
    if (!timings)
        return failure(fmt::format("{}: {}", path.string(), timings.error()));
    size_t added = 0;
    for (const auto &[id, secs] : *timings)
        if (!history.find(id)) {
            history.import_timing(id, secs);
            ++added;
        }
    return added;
}

} // namespace offload

// offload validate: the settings as TOML, with defaults filled in.
#include "config/settings.hpp"

#include <sstream>

namespace offload {

std::string describe_settings(const Settings &settings)
{
    toml::table offload{
        {"max_parallel", int64_t(settings.max_parallel)},
        {"test_timeout_secs", settings.test_timeout_secs},
        {"slow_timeout_secs", settings.slow_timeout_secs},
        {"retry_count", int64_t(settings.retry.count)},
    };
    toml::array overrides;
    for (const RetryOverride &override : settings.retry.overrides) {
        toml::array tests;
        for (const IdPattern &test : override.tests)
            tests.push_back(test.text());
        overrides.push_back(
            toml::table{{"tests", std::move(tests)}, {"retry_count", int64_t(override.count)}});
    }
    toml::table retry{
        {"backoff", std::string(backoff_name(settings.retry.backoff))},
        {"delay_secs", settings.retry.delay_secs},
        {"max_delay_secs", settings.retry.max_delay_secs},
        {"jitter", settings.retry.jitter},
        {"overrides", std::move(overrides)},
    };
    toml::array quarantined;
    for (const IdPattern &test : settings.quarantine.listed)
        quarantined.push_back(test.text());
    toml::table flaky{
        {"quarantine", std::move(quarantined)},
        {"min_runs", int64_t(settings.quarantine.min_runs)},
        {"window_runs", int64_t(settings.quarantine.window_runs)},
    };
    if (settings.quarantine.rate)
        flaky.insert("quarantine_rate", *settings.quarantine.rate);
    toml::array paths;
    for (const auto &path : settings.plugin_paths)
        paths.push_back(path.string());
    offload.insert("plugin_paths", std::move(paths));
    if (settings.tail_hedging)
        offload.insert("tail_hedging", *settings.tail_hedging);
    toml::table report{
        {"output_dir", settings.output_dir.string()},
        {"junit", settings.junit},
        {"junit_file", settings.junit_file.string()},
        {"html", settings.html},
    };
    if (settings.github)
        report.insert("github", *settings.github);
    else
        report.insert("github", "auto");
    toml::array imports;
    for (const auto &path : settings.history_imports)
        imports.push_back(path.string());
    toml::table history{
        {"enabled", settings.history},
        {"path", settings.history_file.string()},
        {"import", std::move(imports)},
    };
    toml::array inputs;
    for (const std::string &input : settings.discovery_cache_inputs)
        inputs.push_back(input);
    toml::table cache{
        {"enabled", settings.discovery_cache},
        {"path", settings.discovery_cache_dir.string()},
        {"inputs", std::move(inputs)},
    };
    std::ostringstream out;
    out << "# " << settings.config_file.string() << ", with defaults filled in\n";
    out << "[offload]\n"
        << offload << "\n\n[retry]\n"
        << retry << "\n\n[flaky]\n"
        << flaky << "\n\n[report]\n"
        << report << "\n\n[history]\n"
        << history << "\n";
    out << "\n[discovery_cache]\n" << cache << "\n";
    if (settings.provider_table)
        out << "\n[provider]\n" << *settings.provider_table << "\n";
    if (settings.discovery_table)
        out << "\n[discovery]\n" << *settings.discovery_table << "\n";
    for (const Settings::Group &group : settings.groups) {
        // What a group's tests get: its own retries, or the run's.
        toml::table table{
            {"filters", group.filters},
            {"retry_count", int64_t(group.retry_count.value_or(settings.retry.count))},
            {"schedule_individual", group.schedule_individual},
        };
        if (!settings.suites[group.suite].name.empty())
            table.insert("suite", settings.suites[group.suite].name);
        out << "\n[groups." << group.name << "]\n" << table << "\n";
    }
    return out.str();
}

} // namespace offload

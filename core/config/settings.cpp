#include "config/settings.hpp"

#include "config/document_adaptation.hpp"
#include "config/toml_access.hpp"
#include "config/toml_depth.hpp"
#include "util/edit_distance.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

namespace offload {

namespace {

namespace fs = std::filesystem;

// Reads one section of the core, checking types and ranges, and warns about unknown keys.
class SectionReader {
  public:
    SectionReader(const toml::table &document, std::string section, std::vector<std::string> known_keys,
                  std::string file, Diagnostics &diagnostics)
        : SectionReader(document.get(section), section, std::move(known_keys), std::move(file), diagnostics)
    {
    }

    // A table found elsewhere (an element of an array of tables); section is how messages name it.
    SectionReader(const toml::node *node, const std::string &section, std::vector<std::string> known_keys,
                  std::string file, Diagnostics &diagnostics)
        : m_section(section), m_known(std::move(known_keys)), m_file(std::move(file)),
          m_diagnostics(diagnostics)
    {
        if (node && !node->as_table())
            m_diagnostics.error(
                location_of(*node, m_file),
                fmt::format("[{}] must be a table, not {}", m_section, type_description(node->type())));
        m_table = node ? node->as_table() : nullptr;
        warn_unknown_keys();
    }

    const toml::table *table() const { return m_table; }

    std::optional<int64_t> integer(const std::string &key, int64_t min, int64_t max)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        const auto *value = node->as_integer();
        if (!value)
            return wrong(*node, key, fmt::format("an integer from {} to {}", min, max)), std::nullopt;
        if (value->get() < min || value->get() > max)
            return wrong(*node, key, fmt::format("from {} to {}", min, max), fmt::to_string(value->get())),
                   std::nullopt;
        return value->get();
    }

    static constexpr double max_seconds = 365.0 * 24 * 3600;

    std::optional<double> positive_number(const std::string &key)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        const std::optional<double> read = number_of(*node);
        if (!read)
            return wrong(*node, key, "a number of seconds greater than 0"), std::nullopt;
        const double number = *read;
        if (!(number > 0) || !std::isfinite(number))
            return wrong(*node, key, "a number of seconds greater than 0", fmt::format("{}", number)),
                   std::nullopt;
        // Beyond a year a limit means "none", and its milliseconds would overflow.
        if (number > max_seconds)
            return wrong(*node, key, fmt::format("at most {} seconds (a year)", max_seconds),
                         fmt::format("{}", number)),
                   std::nullopt;
        return number;
    }

    // A number from min to max (integers too), e.g. a rate.
    std::optional<double> number_between(const std::string &key, double min, double max)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        const std::optional<double> read = number_of(*node);
        if (!read)
            return wrong(*node, key, fmt::format("a number from {} to {}", min, max)), std::nullopt;
        const double number = *read;
        if (!(number >= min && number <= max))
            return wrong(*node, key, fmt::format("from {} to {}", min, max), fmt::format("{}", number)),
                   std::nullopt;
        return number;
    }

    // One of `choices`.
    std::optional<std::string> choice(const std::string &key, const std::vector<std::string> &choices)
    {
        std::optional<std::string> value = string(key);
        if (!value || std::find(choices.begin(), choices.end(), *value) != choices.end())
            return value;
        std::string expected;
        for (const std::string &choice : choices)
            expected += (expected.empty()           ? ""
                         : choice == choices.back() ? " or "
                                                    : ", ") +
                        ("\"" + choice + "\"");
        wrong(*get(key), key, expected, "\"" + *value + "\"");
        return std::nullopt;
    }

    // The tables of an array of tables ([[section.key]]); empty when there is none.
    std::vector<const toml::node *> table_array(const std::string &key)
    {
        const toml::node *node = get(key);
        if (!node)
            return {};
        const toml::array *array = node->as_array();
        const std::string expected = fmt::format("an array of tables ([[{}.{}]])", m_section, key);
        std::vector<const toml::node *> tables;
        if (!array) {
            wrong(*node, key, expected);
            return tables;
        }
        for (const toml::node &element : *array) {
            if (!element.as_table()) {
                wrong(element, key, expected);
                return {};
            }
            tables.push_back(&element);
        }
        return tables;
    }

    std::optional<bool> boolean(const std::string &key)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        if (const auto *value = node->as_boolean())
            return value->get();
        return wrong(*node, key, "true or false"), std::nullopt;
    }

    // true, false, or "auto" (nullopt, as when the key is absent).
    std::optional<bool> boolean_or_auto(const std::string &key)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        if (const auto *value = node->as_boolean())
            return value->get();
        const auto *text = node->as_string();
        if (text && text->get() == "auto")
            return std::nullopt;
        return wrong(*node, key, "\"auto\", true or false",
                     text ? fmt::format("\"{}\"", text->get()) : std::string()),
               std::nullopt;
    }

    std::optional<std::string> string(const std::string &key, bool allow_empty = false)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        const auto *value = node->as_string();
        if (!value)
            return wrong(*node, key, "a string"), std::nullopt;
        if (!allow_empty && value->get().empty())
            return wrong(*node, key, "a non-empty string", "\"\""), std::nullopt;
        return value->get();
    }

    std::optional<std::vector<std::string>> string_list(const std::string &key)
    {
        const toml::node *node = get(key);
        if (!node)
            return std::nullopt;
        const toml::array *array = node->as_array();
        if (!array)
            return wrong(*node, key, "an array of strings"), std::nullopt;
        std::vector<std::string> values;
        for (const toml::node &element : *array) {
            const auto *value = element.as_string();
            if (!value)
                return wrong(element, key, "an array of strings"), std::nullopt;
            values.push_back(value->get());
        }
        return values;
    }

    void missing(const std::string &key, const std::string &hint)
    {
        Location where{m_file, 0, 0};
        if (m_table)
            where = location_of(*m_table, m_file);
        m_diagnostics.error(where, fmt::format("{} is missing; {}", describe_key(m_section, key), hint));
    }

  private:
    const toml::node *get(const std::string &key) const { return m_table ? m_table->get(key) : nullptr; }

    // An integer or a float; nullopt for anything else.
    static std::optional<double> number_of(const toml::node &node)
    {
        if (const auto *integer = node.as_integer())
            return double(integer->get());
        if (const auto *floating = node.as_floating_point())
            return floating->get();
        return std::nullopt;
    }

    void wrong(const toml::node &node, const std::string &key, const std::string &expected,
               const std::string &got = {})
    {
        m_diagnostics.error(location_of(node, m_file),
                            fmt::format("{} must be {}, not {}", describe_key(m_section, key), expected,
                                        got.empty() ? std::string(type_description(node.type())) : got));
    }

    void warn_unknown_keys()
    {
        if (!m_table || m_known.empty())
            return;
        for (const auto &[key, node] : *m_table) {
            std::string_view name = key.str();
            if (std::find(m_known.begin(), m_known.end(), name) != m_known.end())
                continue;
            std::string hint;
            for (const std::string &known : m_known)
                if (edit_distance(name, known) <= 2)
                    hint = fmt::format("; did you mean {}?", known);
            m_diagnostics.warning(location_of(key, m_file), fmt::format("unknown key {} is ignored{}",
                                                                        describe_key(m_section, name), hint));
        }
    }

    std::string m_section;
    std::vector<std::string> m_known;
    std::string m_file;
    Diagnostics &m_diagnostics;
    const toml::table *m_table = nullptr;
};

// [retry] and its [[retry.overrides]].
void read_retry(const toml::table &document, RetryPolicy &retry, const std::string &name,
                Diagnostics &diagnostics)
{
    SectionReader reader(document, "retry",
                         {"backoff", "delay_secs", "max_delay_secs", "jitter", "overrides"}, name,
                         diagnostics);
    if (std::optional<std::string> backoff = reader.choice("backoff", {"none", "fixed", "exponential"}))
        retry.backoff = *backoff == "fixed"         ? Backoff::Fixed
                        : *backoff == "exponential" ? Backoff::Exponential
                                                    : Backoff::None;
    retry.delay_secs = reader.number_between("delay_secs", 0, 3600).value_or(retry.delay_secs);
    retry.max_delay_secs = reader.number_between("max_delay_secs", 0, 3600).value_or(retry.max_delay_secs);
    retry.jitter = reader.boolean("jitter").value_or(false);
    const std::vector<const toml::node *> overrides = reader.table_array("overrides");
    for (size_t i = 0; i < overrides.size(); ++i) {
        SectionReader override(overrides[i], fmt::format("retry.overrides[{}]", i), {"tests", "retry_count"},
                               name, diagnostics);
        RetryOverride read;
        for (std::string &test : override.string_list("tests").value_or(std::vector<std::string>{}))
            read.tests.emplace_back(std::move(test));
        std::optional<int64_t> count = override.integer("retry_count", 0, 100);
        const toml::table &table = *overrides[i]->as_table();
        if (!table.get("tests"))
            override.missing("tests", "name the tests it is for: ids, or patterns with * (\"tests/net/*\")");
        if (!table.get("retry_count"))
            override.missing("retry_count", "give the retries of those tests (0 to 100)");
        read.count = unsigned(count.value_or(0));
        retry.overrides.push_back(std::move(read));
    }
}

// [flaky]: the quarantine.
void read_flaky(const toml::table &document, QuarantineSettings &quarantine, const std::string &name,
                Diagnostics &diagnostics)
{
    SectionReader reader(document, "flaky", {"quarantine", "quarantine_rate", "min_runs", "window_runs"},
                         name, diagnostics);
    for (std::string &test : reader.string_list("quarantine").value_or(std::vector<std::string>{}))
        quarantine.listed.emplace_back(std::move(test));
    // A rate of 0 would quarantine every test that ever flaked.
    quarantine.rate = reader.number_between("quarantine_rate", 0.01, 1);
    quarantine.window_runs = unsigned(reader.integer("window_runs", 1, int64_t(History::max_recent_outcomes))
                                          .value_or(quarantine.window_runs));
    quarantine.min_runs = unsigned(reader.integer("min_runs", 1, int64_t(History::max_recent_outcomes))
                                       .value_or(std::min(quarantine.min_runs, quarantine.window_runs)));
}

std::string type_hint(const std::string &section);

// [discovery.NAME] tables: several frameworks in one run.
void read_suites(const toml::table &discovery, Settings &settings, const std::string &name,
                 Diagnostics &diagnostics)
{
    for (const auto &[key, node] : discovery) {
        const std::string suite(key.str());
        const std::string section = "discovery." + suite;
        if (!node.as_table()) {
            diagnostics.error(
                location_of(node, name),
                fmt::format("[discovery] {} is {}: [discovery] holds either a framework's `type` "
                            "and keys, or one table per framework ([discovery.python], "
                            "[discovery.rust]), each with its `type`",
                            suite, type_description(node.type())));
            continue;
        }
        if (suite.empty() ||
            suite.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                std::string::npos) {
            diagnostics.error(
                location_of(key, name),
                fmt::format("[{}]: a framework's name is letters, digits, _ and - (it starts the "
                            "ids of its tests: \"NAME:id\")",
                            section));
            continue;
        }
        SectionReader reader(&node, section, {}, name, diagnostics);
        std::optional<std::string> type = reader.string("type");
        if (!type) {
            if (!node.as_table()->get("type"))
                reader.missing("type", type_hint("discovery"));
            continue;
        }
        settings.suites.push_back({suite, *type, node.as_table()});
    }
    // toml++ keeps keys sorted: the file's order is where each table starts.
    std::stable_sort(settings.suites.begin(), settings.suites.end(), [](const auto &a, const auto &b) {
        const toml::source_position x = a.table->source().begin, y = b.table->source().begin;
        return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    if (!settings.suites.empty()) {
        settings.framework_type = settings.suites.front().framework_type;
        settings.discovery_table = settings.suites.front().table;
    }
}

// [groups.NAME] tables, once the suites are known.
void read_groups(const toml::table &document, Settings &settings, const std::string &name,
                 Diagnostics &diagnostics)
{
    const toml::node *groups = document.get("groups");
    if (!groups)
        return;
    if (!groups->as_table()) {
        diagnostics.error(location_of(*groups, name),
                          fmt::format("[groups] must hold one table per group ([groups.unit]), not {}",
                                      type_description(groups->type())));
        return;
    }
    const bool several =
        settings.suites.size() > 1 || (settings.suites.size() == 1 && !settings.suites.front().name.empty());
    for (const auto &[key, node] : *groups->as_table()) {
        const std::string group(key.str());
        const std::string section = "groups." + group;
        if (!node.as_table()) {
            diagnostics.error(location_of(node, name),
                              fmt::format("[groups] {} is {}: each group is a table, [groups.{}]", group,
                                          type_description(node.type()), group));
            continue;
        }
        if (group.empty() ||
            group.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                std::string::npos) {
            diagnostics.error(location_of(key, name),
                              fmt::format("[{}]: a group's name is letters, digits, _ and -", section));
            continue;
        }
        SectionReader reader(&node, section, {"filters", "retry_count", "schedule_individual", "suite"}, name,
                             diagnostics);
        Settings::Group read;
        read.name = group;
        read.filters = reader.string("filters", true).value_or("");
        if (std::optional<int64_t> count = reader.integer("retry_count", 0, 100))
            read.retry_count = unsigned(*count);
        read.schedule_individual = reader.boolean("schedule_individual").value_or(false);
        std::string suites;
        for (const Settings::Suite &suite : settings.suites)
            suites += (suites.empty() ? "\"" : ", \"") + suite.name + "\"";
        if (std::optional<std::string> suite = reader.string("suite")) {
            auto found = std::find_if(settings.suites.begin(), settings.suites.end(),
                                      [&](const Settings::Suite &s) { return s.name == *suite; });
            if (!several)
                diagnostics.error(location_of(*node.as_table()->get("suite"), name),
                                  fmt::format("[{}] suite = \"{}\": `suite` names one of several "
                                              "[discovery.NAME] tables, and this file has one [discovery]",
                                              section, *suite));
            else if (found == settings.suites.end())
                diagnostics.error(location_of(*node.as_table()->get("suite"), name),
                                  fmt::format("[{}] suite = \"{}\" names no [discovery.NAME] table; the "
                                              "file has {}",
                                              section, *suite, suites));
            else
                read.suite = size_t(found - settings.suites.begin());
        } else if (several && !node.as_table()->get("suite")) {
            reader.missing("suite", fmt::format("with several [discovery.NAME] tables a group names the one "
                                                "its tests come from: {}",
                                                suites));
        }
        settings.groups.push_back(std::move(read));
    }
    // toml++ keeps keys sorted: the file's order is where each table starts.
    std::vector<std::pair<toml::source_position, size_t>> order;
    for (size_t i = 0; i < settings.groups.size(); ++i) {
        const toml::node *table = groups->as_table()->get(settings.groups[i].name);
        order.emplace_back(table->source().begin, i);
    }
    std::stable_sort(order.begin(), order.end(), [](const auto &a, const auto &b) {
        return a.first.line != b.first.line ? a.first.line < b.first.line : a.first.column < b.first.column;
    });
    std::vector<Settings::Group> sorted;
    for (const auto &[position, index] : order)
        sorted.push_back(std::move(settings.groups[index]));
    settings.groups = std::move(sorted);
    if (groups->as_table()->empty())
        diagnostics.warning(location_of(*groups, name),
                            "[groups] holds no group: every test is in one implicit group, as without it");
}

fs::path resolve(const fs::path &base, const fs::path &path)
{
    return (path.is_absolute() ? path : base / path).lexically_normal();
}

// A configuration bigger than this is not one (and is not read into memory).
constexpr uintmax_t max_config_bytes = 10 << 20;

std::string read_config(const fs::path &file, const std::string &display_name)
{
    std::error_code error;
    uintmax_t size = fs::file_size(file, error);
    if (!error && size > max_config_bytes)
        throw Error(fmt::format("{} is {} bytes; a configuration file is at most {} bytes", display_name,
                                size, max_config_bytes));
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(fmt::format("cannot read {}: {}", display_name, std::strerror(errno)));
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

toml::table parse_text(const std::string &text, const std::string &display_name, Diagnostics &diagnostics)
{
    // toml++ recurses once per level of dotted keys and table headers, without a limit.
    if (const std::optional<TextPosition> where = toml_too_deep(text)) {
        diagnostics.error(
            {display_name, where->line, where->column},
            fmt::format("keys, tables and arrays nest deeper than {} levels here: a configuration "
                        "needs a handful, and offload reads no deeper one",
                        max_toml_depth));
        throw Error(fmt::format("{} nests too deeply to be read (see above)", display_name));
    }
    try {
        return toml::parse(text, display_name);
    } catch (const toml::parse_error &e) {
        Location where{display_name, e.source().begin.line, e.source().begin.column};
        diagnostics.error(where, fmt::format("not valid TOML: {}", e.description()));
        throw Error(fmt::format("{} is not valid TOML (see above)", display_name));
    }
}

std::string type_hint(const std::string &section)
{
    if (section == "provider")
        return "add e.g. `type = \"process\"` (run `offload plugins` to see the providers offload finds)";
    return "add e.g. `type = \"generic\"` (run `offload plugins` to see the frameworks offload finds)";
}

} // namespace

std::unique_ptr<Settings> load_settings(const fs::path &file, Diagnostics &diagnostics)
{
    std::error_code error;
    fs::path absolute = fs::absolute(file, error);
    if (error || !fs::exists(absolute)) {
        throw Error(fmt::format(
            "no config file {}: create one with `offload init --provider process --framework generic`, "
            "or name another with -c FILE",
            file.string()));
    }
    if (fs::is_directory(absolute))
        throw Error(
            fmt::format("{} is a directory; -c takes the path of an offload.toml file", file.string()));

    return settings_from_text(read_config(absolute, file.string()), absolute, file.string(), diagnostics);
}

std::unique_ptr<Settings> settings_from_text(const std::string &text, const fs::path &absolute_file,
                                             const std::string &name, Diagnostics &diagnostics)
{
    auto settings = std::make_unique<Settings>();
    settings->config_file = absolute_file.lexically_normal();
    settings->project_dir = settings->config_file.parent_path();
    settings->document = parse_text(text, name, diagnostics);
    settings->rust_offload = adapt_document(settings->document, name, diagnostics);
    const toml::table &document = settings->document;

    for (const auto &[key, node] : document) {
        std::string_view section = key.str();
        if (section != "offload" && section != "report" && section != "history" && section != "provider" &&
            section != "discovery" && section != "discovery_cache" && section != "retry" &&
            section != "flaky" && section != "groups")
            diagnostics.warning(
                location_of(key, name),
                fmt::format("unknown section [{}] is ignored (offload reads [offload], [retry], [flaky], "
                            "[report], [history], [discovery_cache], [provider], [discovery] and "
                            "[groups])",
                            section));
    }

    SectionReader offload(document, "offload",
                          {"max_parallel", "test_timeout_secs", "slow_timeout_secs", "retry_count",
                           "plugin_paths", "tail_hedging"},
                          name, diagnostics);
    unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    settings->max_parallel = unsigned(offload.integer("max_parallel", 1, 4096).value_or(cpus));
    settings->test_timeout_secs = offload.positive_number("test_timeout_secs").value_or(900);
    settings->slow_timeout_secs = offload.positive_number("slow_timeout_secs").value_or(60);
    settings->retry.count = unsigned(offload.integer("retry_count", 0, 100).value_or(0));
    for (const std::string &path : offload.string_list("plugin_paths").value_or(std::vector<std::string>{}))
        settings->plugin_paths.push_back(resolve(settings->project_dir, path));
    settings->tail_hedging = offload.boolean("tail_hedging");

    read_retry(document, settings->retry, name, diagnostics);
    read_flaky(document, settings->quarantine, name, diagnostics);

    SectionReader report(document, "report", {"output_dir", "junit", "junit_file", "github", "html"}, name,
                         diagnostics);
    settings->output_dir =
        resolve(settings->project_dir, report.string("output_dir").value_or("test-results"));
    settings->junit = report.boolean("junit").value_or(true);
    settings->junit_file = resolve(settings->output_dir, report.string("junit_file").value_or("junit.xml"));
    settings->github = report.boolean_or_auto("github");
    settings->html = report.boolean("html").value_or(false);

    SectionReader history(document, "history", {"enabled", "path", "import"}, name, diagnostics);
    settings->history = history.boolean("enabled").value_or(true);
    settings->history_file =
        resolve(settings->project_dir, history.string("path").value_or(".offload/history"));
    for (const std::string &path : history.string_list("import").value_or(std::vector<std::string>{}))
        settings->history_imports.push_back(resolve(settings->project_dir, path));

    SectionReader cache(document, "discovery_cache", {"enabled", "path", "inputs"}, name, diagnostics);
    settings->discovery_cache = cache.boolean("enabled").value_or(true);
    settings->discovery_cache_dir =
        resolve(settings->project_dir, cache.string("path").value_or(".offload/discovery"));
    settings->discovery_cache_inputs = cache.string_list("inputs").value_or(std::vector<std::string>{});

    for (const char *section : {"provider", "discovery"}) {
        SectionReader plugin(document, section, {}, name, diagnostics);
        std::string &type =
            std::string(section) == "provider" ? settings->provider_type : settings->framework_type;
        const toml::table *&table =
            std::string(section) == "provider" ? settings->provider_table : settings->discovery_table;
        table = plugin.table();
        if (!document.get(section)) {
            diagnostics.error(Location{name, 0, 0},
                              fmt::format("section [{}] is missing; {}", section, type_hint(section)));
            continue;
        }
        if (auto value = plugin.string("type"))
            type = *value;
        else if (table && !table->get("type") && (std::string(section) == "provider" || table->empty()))
            plugin.missing("type", type_hint(section));
        else if (table && !table->get("type"))
            read_suites(*table, *settings, name, diagnostics);
    }
    if (settings->suites.empty() && settings->discovery_table)
        settings->suites.push_back({"", settings->framework_type, settings->discovery_table});
    // The one key of a framework's table that is the core's: how its tests are cut into batches.
    for (Settings::Suite &suite : settings->suites) {
        SectionReader table(suite.table, suite.name.empty() ? "discovery" : "discovery." + suite.name, {},
                            name, diagnostics);
        suite.keep_files_together = table.boolean("keep_files_together").value_or(false);
    }
    read_groups(document, *settings, name, diagnostics);

    diagnostics.throw_if_errors(name);
    return settings;
}

} // namespace offload

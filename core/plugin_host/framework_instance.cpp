#include "plugin_host/framework_instance.hpp"

#include "plugin_host/abi_text.hpp"
#include "plugin_host/plugin_config.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <offload/sizes.h>

#include <unordered_map>
#include <unordered_set>

namespace offload {

namespace {

constexpr size_t max_id_bytes = 1 << 20; // a 1 MiB test id is absurd but still accepted
constexpr size_t max_message_bytes = 16 << 10;
constexpr size_t max_output_bytes = 16 << 10; // as ExecTracker keeps of a test's output

// Plugins hand a tail back as a C string (offload_test_result::output), where a NUL byte would end
// the text: each is written as the four characters \x00, as the reports show control characters.
std::string without_nul_bytes(const std::string &text)
{
    if (text.find('\0') == std::string::npos)
        return text;
    std::string out;
    out.reserve(text.size() + 16);
    for (char c : text) {
        if (c == '\0')
            out.append("\\x00");
        else
            out.push_back(c);
    }
    return out;
}

// Keeps the last limit bytes: the end of an output is where failures are explained.
std::string tail_bounded(const char *text, size_t limit, const std::string &whole_in = {})
{
    std::string value = copy_bounded(text, std::string::npos - 1);
    if (value.size() > limit)
        value = "[... " + std::to_string(value.size() - limit) + " bytes omitted" +
                (whole_in.empty() ? "" : "; all of it is in " + whole_in) + " ...]\n" +
                value.substr(value.size() - limit);
    return value;
}

Outcome outcome_from_abi(offload_outcome outcome, bool &valid)
{
    valid = true;
    switch (outcome) {
    case OFFLOAD_OUTCOME_PASSED: return Outcome::Passed;
    case OFFLOAD_OUTCOME_FAILED: return Outcome::Failed;
    case OFFLOAD_OUTCOME_SKIPPED: return Outcome::Skipped;
    case OFFLOAD_OUTCOME_ERROR: return Outcome::Error;
    default: valid = false; return Outcome::Error;
    }
}

} // namespace

FrameworkInstance::FrameworkInstance(const Plugin &plugin, const offload_config &config) : m_plugin(plugin)
{
    CollectingSink error;
    offload_status status =
        plugin.framework->create(plugin.services->table(), &config, &m_instance, error.get());
    if (status != OFFLOAD_OK || !m_instance) {
        m_instance = nullptr;
        throw Error(fmt::format("the {} framework ({}) could not start: {}", plugin.id, plugin.path.string(),
                                error.text_or("its [discovery] settings are not valid (see above)")));
    }
    config.warn_unread_keys(fmt::format("the {} framework", plugin.id));
}

FrameworkInstance::~FrameworkInstance()
{
    if (m_instance)
        m_plugin.framework->destroy(m_instance);
}

size_t FrameworkInstance::max_batch_size() const
{
    return m_plugin.framework->max_batch_size ? m_plugin.framework->max_batch_size(m_instance) : 0;
}

std::string FrameworkInstance::discover_command() const
{
    CollectingSink command, error;
    if (m_plugin.framework->discover_command(m_instance, command.get(), error.get()) != OFFLOAD_OK)
        throw Error(fmt::format("the {} framework cannot build its discovery command: {}", m_plugin.id,
                                error.text_or("no reason given")));
    if (command.text().empty())
        throw Error(fmt::format("the {} framework returned an empty discovery command", m_plugin.id));
    return command.text();
}

std::string FrameworkInstance::discover_command(const std::string &filters) const
{
    if (filters.empty())
        return discover_command();
    const offload_framework_filters_v1 *table = m_plugin.framework_filters;
    if (!table)
        throw Error(fmt::format("the {} framework ({}) takes no filters; select these tests with its "
                                "[discovery] keys instead, or give the group filters = \"\"",
                                m_plugin.id, m_plugin.path.string()));
    CollectingSink command, error;
    if (table->discover_command(m_instance, filters.c_str(), command.get(), error.get()) != OFFLOAD_OK)
        throw Error(fmt::format("the {} framework cannot take filters = \"{}\": {}", m_plugin.id, filters,
                                error.text_or("no reason given")));
    if (command.text().empty())
        throw Error(fmt::format("the {} framework returned an empty discovery command for filters = \"{}\"",
                                m_plugin.id, filters));
    return command.text();
}

std::optional<std::vector<DiscoveryInput>> FrameworkInstance::discovery_inputs() const
{
    const offload_framework_discovery_inputs_v1 *table = m_plugin.framework_discovery;
    if (!table)
        return std::nullopt;
    struct Collected {
        std::vector<DiscoveryInput> inputs;
        size_t invalid = 0;
    } collected;
    offload_discovery_input_sink sink{
        sizeof(offload_discovery_input_sink), &collected,
        [](void *context, const offload_discovery_input *input) {
            auto &c = *static_cast<Collected *>(context);
            const bool known = input && OFFLOAD_SIZE_OK(input, offload_discovery_input) && input->value &&
                               *input->value && input->kind >= OFFLOAD_INPUT_GLOB &&
                               input->kind <= OFFLOAD_INPUT_SKIP_DIRECTORY;
            if (!known) {
                ++c.invalid;
                return;
            }
            c.inputs.push_back({DiscoveryInput::Kind(input->kind), copy_bounded(input->value, 64 << 10)});
        }};
    CollectingSink error;
    const offload_status status = table->inputs(m_instance, &sink, error.get());
    if (status == OFFLOAD_NOT_FOUND)
        return std::nullopt;
    if (status != OFFLOAD_OK)
        throw Error(fmt::format("the {} framework cannot name the inputs of its discovery: {}", m_plugin.id,
                                error.text_or("no reason given")));
    // An input offload cannot read could be one that changes the list: nothing is cached.
    if (collected.invalid > 0) {
        log::warning(fmt::format("the {} framework named {} discovery input{} offload does not know; "
                                 "discovery runs every time",
                                 m_plugin.id, collected.invalid, collected.invalid == 1 ? "" : "s"));
        return std::nullopt;
    }
    return std::move(collected.inputs);
}

TestCommandStyle FrameworkInstance::ask_style() const
{
    const offload_framework_live_v1 *live = m_plugin.framework_live;
    if (!live)
        return TestCommandStyle::Batch;
    const uint32_t capabilities = live->capabilities(m_instance);
    if ((capabilities & OFFLOAD_LIVE_WORKER) && live->worker_command)
        return TestCommandStyle::Worker;
    if (capabilities & (OFFLOAD_LIVE_EVENTS | OFFLOAD_LIVE_WORKER))
        return TestCommandStyle::BatchWithRecords;
    return TestCommandStyle::Batch;
}

std::vector<DiscoveredTest> FrameworkInstance::parse_discovery(const std::string &stdout_text,
                                                               const std::string &stderr_text, int exit_code)
{
    struct Collected {
        std::vector<DiscoveredTest> tests;
        std::unordered_set<std::string> seen;
        size_t duplicates = 0, empty = 0;
        std::string first_duplicate;
    } collected;
    offload_test_sink sink{
        sizeof(offload_test_sink), &collected, [](void *context, const offload_discovered_test *test) {
            auto &c = *static_cast<Collected *>(context);
            if (!test || !OFFLOAD_SIZE_OK(test, offload_discovered_test) || !test->id || !*test->id) {
                ++c.empty;
                return;
            }
            std::string id = copy_bounded(test->id, max_id_bytes);
            if (!c.seen.insert(id).second) {
                if (c.duplicates++ == 0)
                    c.first_duplicate = id;
                return;
            }
            c.tests.push_back({std::move(id), copy_bounded(test->file, 4096), {}});
        }};
    offload_discovery_output output{};
    output.struct_size = sizeof output;
    output.stdout_text = stdout_text.c_str();
    output.stdout_length = stdout_text.size();
    output.stderr_text = stderr_text.c_str();
    output.stderr_length = stderr_text.size();
    output.exit_code = exit_code;
    CollectingSink error;
    if (m_plugin.framework->parse_discovery(m_instance, &output, &sink, error.get()) != OFFLOAD_OK)
        throw Error(fmt::format("test discovery failed ({} framework):\n{}", m_plugin.id,
                                error.text_or("no reason given")));
    if (collected.duplicates > 0)
        log::warning(fmt::format("discovery listed {} test id{} more than once (e.g. \"{}\"); each runs once",
                                 collected.duplicates, collected.duplicates == 1 ? "" : "s",
                                 collected.first_duplicate.substr(0, 200)));
    if (collected.empty > 0)
        log::warning(fmt::format("the {} framework reported {} test{} without an id; ignored", m_plugin.id,
                                 collected.empty, collected.empty == 1 ? "" : "s"));
    // Workers listing the tests run already with what prepare_listing() set: it stays.
    if (!m_lists) {
        m_style = ask_style();
        m_pulls = m_style == TestCommandStyle::Worker &&
                  (m_plugin.framework_live->capabilities(m_instance) & OFFLOAD_LIVE_PULL) != 0;
    }
    return std::move(collected.tests);
}

bool FrameworkInstance::prepare_listing()
{
    const offload_framework_live_v1 *live = m_plugin.framework_live;
    if (!live || !live->worker_command)
        return false;
    const uint32_t capabilities = live->capabilities(m_instance);
    if ((capabilities & OFFLOAD_LIVE_WORKER) == 0 || (capabilities & OFFLOAD_LIVE_LISTS) == 0)
        return false;
    m_style = TestCommandStyle::Worker;
    m_pulls = (capabilities & OFFLOAD_LIVE_PULL) != 0;
    m_lists = true;
    return true;
}

Expected<std::string> FrameworkInstance::batch_command(const std::vector<std::string> &test_ids,
                                                       const std::string &result_file) const
{
    std::vector<const char *> ids;
    ids.reserve(test_ids.size() + 1);
    for (const std::string &id : test_ids)
        ids.push_back(id.c_str());
    ids.push_back(nullptr);
    offload_batch batch{};
    batch.struct_size = sizeof batch;
    batch.test_ids = ids.data();
    batch.test_count = test_ids.size();
    batch.result_file = result_file.c_str();
    CollectingSink command(64u << 20), error;
    if (m_plugin.framework->batch_command(m_instance, &batch, command.get(), error.get()) != OFFLOAD_OK)
        return failure(error.text_or("no reason given"));
    if (command.text().empty() || command.truncated())
        return failure(command.truncated() ? "the batch command is longer than 64 MiB"
                                           : "the batch command is empty");
    return command.text();
}

Expected<std::string> FrameworkInstance::worker_command(const std::vector<std::string> *known_tests,
                                                        unsigned sandbox_index) const
{
    const offload_framework_live_v1 *live = m_plugin.framework_live;
    if (!live || !live->worker_command)
        return failure("the framework has no worker command");
    std::vector<const char *> ids;
    if (known_tests) {
        ids.reserve(known_tests->size() + 1);
        for (const std::string &id : *known_tests)
            ids.push_back(id.c_str());
        ids.push_back(nullptr);
    }
    offload_worker_request request{};
    request.struct_size = sizeof request;
    request.test_ids = known_tests ? ids.data() : nullptr;
    request.test_count = known_tests ? known_tests->size() : 0;
    request.sandbox_index = sandbox_index;
    CollectingSink command(64u << 20), error;
    if (live->worker_command(m_instance, &request, command.get(), error.get()) != OFFLOAD_OK)
        return failure(error.text_or("no reason given"));
    if (command.text().empty() || command.truncated())
        return failure(command.truncated() ? "the worker command is longer than 64 MiB"
                                           : "the worker command is empty");
    return command.text();
}

Expected<std::vector<ReportedResult>> FrameworkInstance::parse_results(const BatchRunFacts &facts) const
{
    std::vector<const char *> ids;
    for (const std::string &id : *facts.test_ids)
        ids.push_back(id.c_str());
    ids.push_back(nullptr);

    struct Collected {
        std::unordered_map<std::string, size_t> in_batch; // id -> index into results
        std::vector<ReportedResult> results;
        size_t unknown = 0, invalid = 0;
        std::string first_unknown;
        std::string log_path;
    } collected;
    collected.log_path = facts.log_path;
    for (const std::string &id : *facts.test_ids)
        collected.in_batch.emplace(id, SIZE_MAX);

    offload_result_sink sink{
        sizeof(offload_result_sink), &collected, [](void *context, const offload_test_result *r) {
            auto &c = *static_cast<Collected *>(context);
            if (!r || !OFFLOAD_SIZE_OK(r, offload_test_result) || !r->test_id) {
                ++c.invalid;
                return;
            }
            bool valid = false;
            Outcome outcome = outcome_from_abi(r->outcome, valid);
            if (!valid) {
                ++c.invalid;
                return;
            }
            std::string id = copy_bounded(r->test_id, max_id_bytes);
            auto it = c.in_batch.find(id);
            if (it == c.in_batch.end()) {
                if (c.unknown++ == 0)
                    c.first_unknown = id;
                return;
            }
            ReportedResult result{id, outcome, r->duration_secs, tail_bounded(r->message, max_message_bytes),
                                  tail_bounded(r->output, max_output_bytes, c.log_path)};
            if (it->second == SIZE_MAX) {
                it->second = c.results.size();
                c.results.push_back(std::move(result));
            } else if (severity(outcome) > severity(c.results[it->second].outcome)) {
                // Two results for one test (a JUnit file naming it twice): the worse one stands.
                c.results[it->second] = std::move(result);
            }
        }};

    offload_batch_run run{};
    run.struct_size = sizeof run;
    run.test_ids = ids.data();
    run.test_count = facts.test_ids->size();
    run.exit_code = facts.exit_code;
    run.timed_out = facts.timed_out ? 1 : 0;
    run.result_file = facts.result_file.empty() ? nullptr : facts.result_file.c_str();
    const std::string tail = without_nul_bytes(facts.output_tail);
    run.output_tail = tail.c_str();
    run.output_tail_length = tail.size();
    run.log_path = facts.log_path.c_str();
    run.duration_ms = facts.duration_ms;
    CollectingSink error;
    offload_status status = m_plugin.framework->parse_results(m_instance, &run, &sink, error.get());
    if (collected.unknown > 0)
        log::warning(
            fmt::format("the {} framework reported {} result{} for tests not in the batch (e.g. \"{}\"); "
                        "ignored",
                        m_plugin.id, collected.unknown, collected.unknown == 1 ? "" : "s",
                        collected.first_unknown.substr(0, 200)));
    if (collected.invalid > 0)
        log::warning(fmt::format("the {} framework reported {} malformed result{}; ignored", m_plugin.id,
                                 collected.invalid, collected.invalid == 1 ? "" : "s"));
    if (status != OFFLOAD_OK)
        return failure(error.text_or("no reason given"));
    return std::move(collected.results);
}

std::string FrameworkInstance::config_template(const Plugin &plugin)
{
    CollectingSink text;
    if (plugin.framework->config_template)
        plugin.framework->config_template(text.get());
    return text.text();
}

} // namespace offload

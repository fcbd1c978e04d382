#include "plugin_host/host_services.hpp"

#include "offload_build.hpp"

#include "plugin_host/abi_text.hpp"
#include "plugin_host/host_extensions.hpp"
#include "plugin_host/plugin_config.hpp"
#include "plugin_host/process_service.hpp"
#include "process/cancel_token.hpp"
#include "results/junit_reader.hpp"
#include "util/log.hpp"
#include "util/shell_quote.hpp"

#include <fmt/format.h>
#include <offload/sizes.h>

#include <exception>

namespace offload {

namespace {

const HostServices &services_of(const offload_host *host)
{
    return *static_cast<const HostServices *>(host->host_context);
}

void host_log(const offload_host *host, offload_log_level level, const char *message)
{
    if (!host || !message)
        return;
    std::string line = fmt::format("[{}] {}", services_of(host).plugin_id(), message);
    switch (level) {
    case OFFLOAD_LOG_DEBUG: log::debug(line); break;
    case OFFLOAD_LOG_INFO: log::info(line); break;
    case OFFLOAD_LOG_WARNING: log::warning(line); break;
    default: log::error(line); break;
    }
}

// Config getters: a NULL config is a plugin bug; answer "absent" rather than crash.
offload_value_type config_type(const offload_host *, const offload_config *config, const char *key)
{
    return config ? config->type(key) : OFFLOAD_VALUE_NONE;
}
offload_status config_get_string(const offload_host *, const offload_config *config, const char *key,
                                 const offload_text_sink *value)
{
    return config ? config->get_string(key, value) : OFFLOAD_NOT_FOUND;
}
offload_status config_get_integer(const offload_host *, const offload_config *config, const char *key,
                                  int64_t *value)
{
    return config ? config->get_integer(key, value) : OFFLOAD_NOT_FOUND;
}
offload_status config_get_float(const offload_host *, const offload_config *config, const char *key,
                                double *value)
{
    return config ? config->get_float(key, value) : OFFLOAD_NOT_FOUND;
}
offload_status config_get_boolean(const offload_host *, const offload_config *config, const char *key,
                                  int32_t *value)
{
    return config ? config->get_boolean(key, value) : OFFLOAD_NOT_FOUND;
}
offload_status config_get_size(const offload_host *, const offload_config *config, const char *key,
                               size_t *size)
{
    return config ? config->get_size(key, size) : OFFLOAD_NOT_FOUND;
}
offload_status config_get_key(const offload_host *, const offload_config *config, const char *key,
                              size_t index, const offload_text_sink *name)
{
    return config ? config->get_key(key, index, name) : OFFLOAD_NOT_FOUND;
}
void config_report(const offload_host *, const offload_config *config, const char *key,
                   offload_log_level level, const char *message)
{
    if (config)
        config->report(key, level, message);
}

// The run's level, raised to graceful when the calling thread's batch alone is being stopped.
offload_cancel_level host_cancel_level(const offload_host *)
{
    return cancel_level(CancelToken::current());
}

void shell_quote_service(const offload_host *, const char *word, const offload_text_sink *quoted)
{
    append_to_sink(quoted, shell_quote(word ? word : ""));
}

offload_status read_junit_service(const offload_host *, const char *path, const offload_junit_sink *sink,
                                  const offload_text_sink *error)
{
    if (!path) {
        append_to_sink(error, "read_junit: path is NULL");
        return OFFLOAD_ERROR;
    }
    try {
        const Expected<std::optional<size_t>> cases = read_junit(path, [sink](const JunitCase &test_case) {
            if (!sink || !OFFLOAD_SIZE_OK(sink, offload_junit_sink) || !sink->on_case)
                return;
            offload_junit_case view{};
            view.struct_size = sizeof view;
            view.suite = test_case.suite.c_str();
            view.classname = test_case.classname.c_str();
            view.name = test_case.name.c_str();
            view.file = test_case.file.c_str();
            view.time_secs = test_case.time_secs;
            switch (test_case.outcome) {
            case Outcome::Passed: view.outcome = OFFLOAD_OUTCOME_PASSED; break;
            case Outcome::Skipped: view.outcome = OFFLOAD_OUTCOME_SKIPPED; break;
            case Outcome::Error: view.outcome = OFFLOAD_OUTCOME_ERROR; break;
            default: view.outcome = OFFLOAD_OUTCOME_FAILED; break;
            }
            view.message = test_case.message.c_str();
            view.details = test_case.details.c_str();
            sink->on_case(sink->context, &view);
        });
        if (!cases) {
            append_to_sink(error, cases.error());
            return OFFLOAD_ERROR;
        }
        if (!*cases) {
            append_to_sink(error, std::string(path) + ": no such file");
            return OFFLOAD_NOT_FOUND;
        }
        return OFFLOAD_OK;
    } catch (const std::exception &e) {
        append_to_sink(error, e.what());
        return OFFLOAD_ERROR;
    }
}

} // namespace

HostServices::HostServices(std::string plugin_id, const HostEnvironment &environment)
    : m_plugin_id(std::move(plugin_id)), m_environment(environment), m_table{}
{
    m_table.struct_size = sizeof(offload_host);
    m_table.abi_major = OFFLOAD_ABI_MAJOR;
    m_table.abi_minor = OFFLOAD_ABI_MINOR;
    m_table.host_version = OFFLOAD_VERSION;
    m_table.host_context = this;
    m_table.log = host_log;
    m_table.config_type = config_type;
    m_table.config_get_string = config_get_string;
    m_table.config_get_integer = config_get_integer;
    m_table.config_get_float = config_get_float;
    m_table.config_get_boolean = config_get_boolean;
    m_table.config_get_size = config_get_size;
    m_table.config_get_key = config_get_key;
    m_table.config_report = config_report;
    m_table.cancel_level = host_cancel_level;
    m_table.run_process = run_process_v1;
    m_table.shell_quote = shell_quote_service;
    m_table.read_junit = read_junit_service;
    m_table.project_dir = m_environment.project_dir.c_str();
    m_table.get_extension = host_get_extension;
}

} // namespace offload

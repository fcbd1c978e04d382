// The framework table of a binary framework (doctest, Catch2): each plugin names its tool, its
// template and the options offload sets itself; the rest is BinaryFramework. Include it from the
// plugin's one source file: it defines the plugin's offload_framework_instance.
#pragma once

#include "common/binary_framework.hpp"
#include "common/command.hpp"

#include <offload/plugin.hpp>

struct offload_framework_instance {
    offload::common::BinaryFramework framework;
};

namespace offload::common {

// Tool: a BinaryTool constructed from the [discovery] table (its own keys), with a static
// forbidden_args() (see read_binary_settings).
template <typename Tool> struct BinaryPlugin {
    static offload_status create(const offload_host *host, const offload_config *config,
                                 offload_framework_instance **out, const offload_text_sink *error)
    {
        return offload::sdk::guarded(error, [&]() -> offload_status {
            const offload::sdk::Config settings(host, config);
            *out = new offload_framework_instance{
                BinaryFramework(host, std::make_unique<Tool>(settings),
                                read_binary_settings(settings, Tool::forbidden_args()))};
            return OFFLOAD_OK;
        });
    }
    static void destroy(offload_framework_instance *instance) { delete instance; }
    static offload_status discover_command(const offload_framework_instance *instance,
                                           const offload_text_sink *command, const offload_text_sink *error)
    {
        return offload::sdk::guarded(error, [&]() -> offload_status {
            offload::sdk::append_text(command, instance->framework.discover_command());
            return OFFLOAD_OK;
        });
    }
    // A group's filters, for a Tool with a static filter_problem(words): what is wrong with them, or
    // "" (see filters_table()).
    static offload_status filtered_discover_command(const offload_framework_instance *instance,
                                                    const char *filters, const offload_text_sink *command,
                                                    const offload_text_sink *error)
    {
        return offload::sdk::guarded(error, [&]() -> offload_status {
            const std::optional<std::vector<std::string>> words =
                filter_words(filters, error, Tool::filter_syntax());
            if (!words)
                return OFFLOAD_ERROR;
            if (const std::string problem = Tool::filter_problem(*words); !problem.empty()) {
                offload::sdk::append_text(error, problem);
                return OFFLOAD_ERROR;
            }
            offload::sdk::append_text(command, instance->framework.discover_command(*words));
            return OFFLOAD_OK;
        });
    }
    static offload_status parse_discovery(const offload_framework_instance *instance,
                                          const offload_discovery_output *output,
                                          const offload_test_sink *tests, const offload_text_sink *error)
    {
        return offload::sdk::guarded(error, [&]() -> offload_status {
            instance->framework.parse_discovery(*output, *tests);
            return OFFLOAD_OK;
        });
    }
    static offload_status batch_command(const offload_framework_instance *instance,
                                        const offload_batch *batch, const offload_text_sink *command,
                                        const offload_text_sink *error)
    {
        return offload::sdk::guarded(error, [&]() -> offload_status {
            offload::sdk::append_text(command, instance->framework.batch_command(*batch));
            return OFFLOAD_OK;
        });
    }
    static offload_status parse_results(const offload_framework_instance *instance,
                                        const offload_batch_run *run, const offload_result_sink *results,
                                        const offload_text_sink *error)
    {
        return offload::sdk::guarded(error, [&]() -> offload_status {
            instance->framework.parse_results(*run, *results);
            return OFFLOAD_OK;
        });
    }
    static offload_framework_filters_v1 filters_table()
    {
        return {.struct_size = sizeof(offload_framework_filters_v1),
                .discover_command = filtered_discover_command};
    }
    static offload_framework_v1 table(void (*config_template)(const offload_text_sink *))
    {
        return {
            .struct_size = sizeof(offload_framework_v1),
            .create = create,
            .destroy = destroy,
            .config_template = config_template,
            .max_batch_size = nullptr,
            .discover_command = discover_command,
            .parse_discovery = parse_discovery,
            .batch_command = batch_command,
            .parse_results = parse_results,
        };
    }
};

} // namespace offload::common

/* offload plugin SDK — framework extension "offload.framework.filters/1": the tests of a group,
 * selected in the tool's own syntax (ABI 1.3).
 *
 * A [groups.NAME] table of offload.toml may give `filters`: a string in the framework's own
 * selection syntax (pytest's "-m 'not slow' -k 'not flaky'", a libtest name filter, ...). offload
 * then discovers each group's tests with the discovery command this extension builds for its
 * filters, instead of offload_framework_v1.discover_command(); everything else (parse_discovery,
 * batch_command, the live workers) is as for any test. A group without filters ("") uses
 * offload_framework_v1.discover_command() and needs no extension. A framework without this
 * extension cannot take filters: offload refuses a group that gives it some, naming the framework
 * and the group.
 *
 * parse_discovery() is called once per group, on the same instance, with the output of that
 * group's command: what it learns of the tests (their layout, the longest id) must add up over the
 * calls, never forget an earlier group's tests.
 */
#pragma once

#include "abi.h"
#include "framework.h"

#define OFFLOAD_FRAMEWORK_FILTERS_V1 "offload.framework.filters/1"

/* Static storage duration, owned by the plugin (like offload_framework_v1). */
typedef struct offload_framework_filters_v1 {
    uint32_t struct_size;

    /* [main-thread] Appends the shell command that lists the tests filters selects, like
     * offload_framework_v1.discover_command() (same directory, same output format for
     * parse_discovery()). filters is non-empty, NUL-terminated, borrowed for the call; the user
     * wrote it, so it reaches the tool as data (quote its words with host->shell_quote), never as
     * shell code. Filters the tool cannot take (unbalanced quotes, an option that is not a
     * selection) return OFFLOAD_ERROR with what is wrong and how to write it; offload names the
     * group. */
    offload_status (*discover_command)(const offload_framework_instance *instance, const char *filters,
                                       const offload_text_sink *command, const offload_text_sink *error);
} offload_framework_filters_v1;

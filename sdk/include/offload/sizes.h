/* offload plugin SDK — the minimum size of every struct that crosses the boundary.
 *
 * A published struct is frozen (see abi.h, "How the ABI evolves"), but a few grew at their end
 * before 1.2. So each struct has a minimum: the struct_size of its first published version,
 * measured to the end of that version's last field. A reader
 * - refuses (or, for a sink, ignores) a struct whose struct_size is below the minimum:
 *   OFFLOAD_SIZE_OK(ptr, type);
 * - reads a field appended after the first version only when OFFLOAD_HAS_FIELD(ptr, type, field)
 *   says the writer's struct has it.
 * Never compare struct_size with sizeof(type): sizeof grows with every appended field, and the
 * comparison would refuse every struct built against older headers.
 *
 * OFFLOAD_MIN_SIZE(type) takes a typedef name (offload_host, not struct offload_host). The
 * minimum of a struct never changes; a new struct gets its line here in the version that adds it.
 */
#pragma once

#include "abi.h"
#include "cancel.h"
#include "framework.h"
#include "framework_discovery.h"
#include "framework_filters.h"
#include "framework_live.h"
#include "host.h"
#include "host_process.h"
#include "input.h"
#include "plugin.h"
#include "provider.h"
#include "provider_exec.h"

/* The minimum struct_size of type: the size of its first published version. */
#define OFFLOAD_MIN_SIZE(type) OFFLOAD_MIN_SIZE_##type

/* True when the struct at ptr is at least as large as the first published version of type. */
#define OFFLOAD_SIZE_OK(ptr, type) ((ptr)->struct_size >= OFFLOAD_MIN_SIZE(type))

/* --- Published in ABI 1.0 ------------------------------------------------------------------ */
/* abi.h */
#define OFFLOAD_MIN_SIZE_offload_text_sink OFFLOAD_END_OF(offload_text_sink, append)
#define OFFLOAD_MIN_SIZE_offload_output_sink OFFLOAD_END_OF(offload_output_sink, write)
/* host.h. offload_host grew since: project_dir (appended in offload 0.1 without a minor bump,
 * so a host saying 1.0 may lack it) and get_extension (1.2). */
#define OFFLOAD_MIN_SIZE_offload_host OFFLOAD_END_OF(offload_host, read_junit)
#define OFFLOAD_MIN_SIZE_offload_process_request OFFLOAD_END_OF(offload_process_request, output)
#define OFFLOAD_MIN_SIZE_offload_process_result OFFLOAD_END_OF(offload_process_result, duration_ms)
#define OFFLOAD_MIN_SIZE_offload_junit_case OFFLOAD_END_OF(offload_junit_case, details)
#define OFFLOAD_MIN_SIZE_offload_junit_sink OFFLOAD_END_OF(offload_junit_sink, on_case)
/* plugin.h */
#define OFFLOAD_MIN_SIZE_offload_plugin_descriptor OFFLOAD_END_OF(offload_plugin_descriptor, get_interface)
/* provider.h. offload_provider_v1 grew since: sandbox_capacity (1.1). */
#define OFFLOAD_MIN_SIZE_offload_provider_v1 OFFLOAD_END_OF(offload_provider_v1, destroy_sandbox)
#define OFFLOAD_MIN_SIZE_offload_prepare_request OFFLOAD_END_OF(offload_prepare_request, max_sandboxes)
#define OFFLOAD_MIN_SIZE_offload_sandbox_request OFFLOAD_END_OF(offload_sandbox_request, index)
#define OFFLOAD_MIN_SIZE_offload_exec_request OFFLOAD_END_OF(offload_exec_request, output)
#define OFFLOAD_MIN_SIZE_offload_exec_result OFFLOAD_END_OF(offload_exec_result, duration_ms)
/* framework.h */
#define OFFLOAD_MIN_SIZE_offload_framework_v1 OFFLOAD_END_OF(offload_framework_v1, parse_results)
#define OFFLOAD_MIN_SIZE_offload_discovery_output OFFLOAD_END_OF(offload_discovery_output, exit_code)
#define OFFLOAD_MIN_SIZE_offload_discovered_test OFFLOAD_END_OF(offload_discovered_test, file)
#define OFFLOAD_MIN_SIZE_offload_test_sink OFFLOAD_END_OF(offload_test_sink, add)
#define OFFLOAD_MIN_SIZE_offload_batch OFFLOAD_END_OF(offload_batch, result_file)
#define OFFLOAD_MIN_SIZE_offload_batch_run OFFLOAD_END_OF(offload_batch_run, duration_ms)
#define OFFLOAD_MIN_SIZE_offload_test_result OFFLOAD_END_OF(offload_test_result, output)
#define OFFLOAD_MIN_SIZE_offload_result_sink OFFLOAD_END_OF(offload_result_sink, report)

/* --- Published in ABI 1.2 ------------------------------------------------------------------ */
/* cancel.h, input.h */
#define OFFLOAD_MIN_SIZE_offload_cancel OFFLOAD_END_OF(offload_cancel, wait_fd)
#define OFFLOAD_MIN_SIZE_offload_input OFFLOAD_END_OF(offload_input, ready_fd)
/* host_process.h: host extension offload.host.process/2 */
#define OFFLOAD_MIN_SIZE_offload_host_process_v2 OFFLOAD_END_OF(offload_host_process_v2, run_process)
#define OFFLOAD_MIN_SIZE_offload_process_request_v2 OFFLOAD_END_OF(offload_process_request_v2, flags)
/* provider_exec.h: provider extension offload.provider.exec/2 */
#define OFFLOAD_MIN_SIZE_offload_provider_exec_v2 OFFLOAD_END_OF(offload_provider_exec_v2, local_context)
#define OFFLOAD_MIN_SIZE_offload_exec_request_v2 OFFLOAD_END_OF(offload_exec_request_v2, cancel)
/* framework_live.h: framework extension offload.framework.live/1 */
#define OFFLOAD_MIN_SIZE_offload_framework_live_v1 OFFLOAD_END_OF(offload_framework_live_v1, worker_command)
#define OFFLOAD_MIN_SIZE_offload_worker_request OFFLOAD_END_OF(offload_worker_request, sandbox_index)
/* framework_discovery.h: framework extension offload.framework.discovery_inputs/1 */
#define OFFLOAD_MIN_SIZE_offload_framework_discovery_inputs_v1                                               \
    OFFLOAD_END_OF(offload_framework_discovery_inputs_v1, inputs)
#define OFFLOAD_MIN_SIZE_offload_discovery_input OFFLOAD_END_OF(offload_discovery_input, value)
#define OFFLOAD_MIN_SIZE_offload_discovery_input_sink OFFLOAD_END_OF(offload_discovery_input_sink, add)

/* --- Published in ABI 1.3 ------------------------------------------------------------------ */
/* framework_filters.h: framework extension offload.framework.filters/1 */
#define OFFLOAD_MIN_SIZE_offload_framework_filters_v1                                                        \
    OFFLOAD_END_OF(offload_framework_filters_v1, discover_command)

/* offload plugin SDK — the framework interface: discovery, batch commands and result reading.
 *
 * A framework knows one kind of test suite (pytest, cargo, a custom command). It never runs
 * anything itself: it builds command lines and reads what they produced; the host runs discovery
 * locally and batches on sandboxes. That keeps frameworks pure and lets any provider run them.
 *
 * Threads (each function's tag says which): create/destroy/config_template/max_batch_size/
 * discover_command/parse_discovery are called on the main thread. batch_command and parse_results
 * are called from worker threads, concurrently, on the same instance: an instance must not change
 * after create() (or must lock itself).
 *
 * Ownership: the instance is created and freed by the plugin alone. Everything passed in is
 * borrowed for the call; what a function produces goes into the caller's sinks.
 *
 * Extensions of this interface (answer them from get_interface too): OFFLOAD_FRAMEWORK_LIVE_V1
 * (framework_live.h), OFFLOAD_FRAMEWORK_DISCOVERY_INPUTS_V1 (framework_discovery.h),
 * OFFLOAD_FRAMEWORK_FILTERS_V1 (framework_filters.h).
 */
#pragma once

#include "abi.h"
#include "host.h"

#define OFFLOAD_FRAMEWORK_INTERFACE_V1 "offload.framework.v1"

/* Opaque, created by create() and freed only by destroy() of the same plugin. */
typedef struct offload_framework_instance offload_framework_instance;

/* What the discovery command produced. Borrowed for the call. */
typedef struct offload_discovery_output {
    uint32_t struct_size;
    const char *stdout_text;
    size_t stdout_length;
    const char *stderr_text;
    size_t stderr_length;
    int32_t exit_code;
} offload_discovery_output;

typedef struct offload_discovered_test {
    uint32_t struct_size;
    const char *id;   /* unique within the suite; any bytes but NUL */
    const char *file; /* source file the test lives in, NULL if unknown */
} offload_discovered_test;

/* Receives discovered tests. Owned by the host, valid for the call to parse_discovery(). */
typedef struct offload_test_sink {
    uint32_t struct_size;
    void *context;
    /* [caller-thread] One test; test and its strings are borrowed for the call (the host copies). */
    void (*add)(void *context, const offload_discovered_test *test);
} offload_test_sink;

/* One batch to build a command for. Borrowed for the call. */
typedef struct offload_batch {
    uint32_t struct_size;
    const char *const *test_ids;
    size_t test_count;
    /* Where the command may write a JUnit XML file, as a path valid inside the sandbox. If the
     * command writes it, the host brings it back and passes it to parse_results(). */
    const char *result_file;
} offload_batch;

/* What running a batch produced. Borrowed for the call. */
typedef struct offload_batch_run {
    uint32_t struct_size;
    const char *const *test_ids;
    size_t test_count;
    int32_t exit_code;
    int32_t timed_out;       /* 1 if the batch was killed at the timeout */
    const char *result_file; /* local copy of the result file, NULL if none was written */
    const char *output_tail; /* the last part of the batch's combined output */
    size_t output_tail_length;
    const char *log_path; /* the batch's whole output, on the host's disk */
    uint64_t duration_ms;
} offload_batch_run;

/* One test's result. Borrowed for the call to report(). */
typedef struct offload_test_result {
    uint32_t struct_size;
    const char *test_id; /* one of the batch's ids */
    offload_outcome outcome;
    double duration_secs; /* negative when unknown */
    const char *message;  /* short reason (first line of a failure); may be NULL */
    const char *output;   /* the test's own output or failure text; may be NULL */
} offload_test_result;

/* Receives test results. Owned by the host, valid for the call to parse_results(). */
typedef struct offload_result_sink {
    uint32_t struct_size;
    void *context;
    /* [caller-thread] One result; result and its strings are borrowed for the call (the host
     * copies). A later result for the same test replaces an earlier one. */
    void (*report)(void *context, const offload_test_result *result);
} offload_result_sink;

typedef struct offload_framework_v1 {
    uint32_t struct_size;

    /* [main-thread] Reads the [discovery] table and creates an instance. On failure returns
     * OFFLOAD_ERROR with the reason in error (config problems are better told through
     * host->config_report). host and config are owned by the host; both stay valid until
     * destroy(instance). */
    offload_status (*create)(const offload_host *host, const offload_config *config,
                             offload_framework_instance **instance, const offload_text_sink *error);
    /* [main-thread] Frees the instance. No other call on it runs or follows. */
    void (*destroy)(offload_framework_instance *instance);

    /* [main-thread] [optional] Appends the commented TOML lines of the [discovery] table for
     * `offload init`, without the table header and without `type`. Must produce a working
     * configuration. NULL: `offload init` writes the table with `type` alone. */
    void (*config_template)(const offload_text_sink *toml);

    /* [main-thread] [optional] The largest number of tests one batch may hold; 0 for no limit.
     * NULL: no limit. */
    size_t (*max_batch_size)(const offload_framework_instance *instance);

    /* [main-thread] Appends the shell command that lists the tests; it runs in the project
     * directory. */
    offload_status (*discover_command)(const offload_framework_instance *instance,
                                       const offload_text_sink *command, const offload_text_sink *error);
    /* [main-thread] Turns the discovery command's output into test ids, handed to tests in a
     * stable order. A failed collection returns OFFLOAD_ERROR with the tool's own message in
     * error. */
    offload_status (*parse_discovery)(const offload_framework_instance *instance,
                                      const offload_discovery_output *output, const offload_test_sink *tests,
                                      const offload_text_sink *error);

    /* [worker-thread] Appends the shell command that runs exactly the batch's tests. Test ids must
     * reach the test tool as data (quote them with host->shell_quote), never as shell code. */
    offload_status (*batch_command)(const offload_framework_instance *instance, const offload_batch *batch,
                                    const offload_text_sink *command, const offload_text_sink *error);
    /* [worker-thread] Reports the outcome of each test of the batch that the run tells something
     * about. Tests it reports nothing for are shown to the user as "not run", so give a result
     * whenever one can be known. Returns OFFLOAD_ERROR only when the results cannot be read at
     * all. */
    offload_status (*parse_results)(const offload_framework_instance *instance, const offload_batch_run *run,
                                    const offload_result_sink *results, const offload_text_sink *error);
} offload_framework_v1;

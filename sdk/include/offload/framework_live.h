/* offload plugin SDK — framework extension "offload.framework.live/1": tests witnessed one by one
 * (ABI 1.2).
 *
 * A framework that returns this from get_interface(OFFLOAD_FRAMEWORK_LIVE_V1) says that its
 * commands report each test as it starts and ends, over the framed records of
 * docs/test-protocol.md, and may offer a *worker*: a command that reads the tests to run on its
 * stdin, runs them one at a time, and exits at the end of its input. offload then enforces per-test
 * timeouts, keeps the results of a batch that crashed, runs its unstarted tests elsewhere, and
 * moves work between sandboxes. A framework without it keeps the batch-end behaviour of
 * offload_framework_v1.
 */
#pragma once

#include "abi.h"
#include "framework.h"

#define OFFLOAD_FRAMEWORK_LIVE_V1 "offload.framework.live/1"

/* What capabilities() may answer. */
enum {
    /* offload_framework_v1.batch_command's command reports every test with test-protocol records
     * (start, end). Results come from the records; parse_results() is still called after the batch
     * and what it reports is combined with them (the more severe outcome wins). */
    OFFLOAD_LIVE_EVENTS = 1u << 0,
    /* worker_command() gives a worker: it reads `run id=ID` lines on stdin and reports with
     * records (see the protocol). Batches of this framework then always run as workers, and
     * parse_results() is not called for them. Implies OFFLOAD_LIVE_EVENTS. */
    OFFLOAD_LIVE_WORKER = 1u << 1,
    /* The worker writes a `next` record whenever it wants its next test (see the protocol), and
     * needs none sent ahead: offload then commits no test to it before it asks, so that a test never
     * waits behind a slow one on a busy sandbox. Without the flag offload keeps one test ahead. */
    OFFLOAD_LIVE_PULL = 1u << 2,
    /* A worker started with OFFLOAD_WORKER_LIST=1 in its environment first lists the tests it
     * collected: the text the discovery command would print, in `list` records, then `listed`
     * with the exit code discovery would have had, before it asks for a test (see the protocol).
     * On a first run offload may then start its workers before it knows the tests, and read the
     * first listing with parse_discovery() instead of running discover_command() (ABI 1.2). */
    OFFLOAD_LIVE_LISTS = 1u << 3
};

/* What a worker is started for. Borrowed for the call. */
typedef struct offload_worker_request {
    uint32_t struct_size;
    /* The only tests this worker will be given, when offload knows them up front (its input is
     * fixed, because the provider cannot feed stdin); the worker may limit its setup to them (say,
     * collect only their files). NULL: any discovered test may come. */
    const char *const *test_ids;
    size_t test_count;
    uint32_t sandbox_index; /* for names and logs */
} offload_worker_request;

/* Static storage duration, owned by the plugin (like offload_framework_v1). */
typedef struct offload_framework_live_v1 {
    uint32_t struct_size;

    /* [main-thread] OFFLOAD_LIVE_* flags of this instance (its config may turn them on), asked
     * after parse_discovery(); also before discovery, where offload may have workers list the
     * tests (then the answer must be the same as after it). */
    uint32_t (*capabilities)(const offload_framework_instance *instance);

    /* [worker-thread] [optional: required with OFFLOAD_LIVE_WORKER] The shell command line of a
     * worker, run in the sandbox's work dir with OFFLOAD_EVENT_MARK in its environment. Test ids
     * reach it on stdin only, never inside this command. request is borrowed for the call. With
     * OFFLOAD_LIVE_LISTS it may be called before parse_discovery() (for a worker that lists the
     * tests: request->test_ids is then NULL). */
    offload_status (*worker_command)(const offload_framework_instance *instance,
                                     const offload_worker_request *request, const offload_text_sink *command,
                                     const offload_text_sink *error);
} offload_framework_live_v1;

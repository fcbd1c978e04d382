/* offload plugin SDK — the services the host offers every plugin.
 *
 * The host hands each plugin its own offload_host table in init(). The table and everything it
 * points to are owned by the host and stay valid until the plugin's deinit() returns. Every
 * function of it is [thread-safe]. A plugin built against newer headers than the host's checks
 * OFFLOAD_HAS_FIELD(host, offload_host, field) before it reads a field appended after ABI 1.0
 * (project_dir, get_extension), and never refuses a host whose struct_size is smaller than its own
 * sizeof(offload_host): only one below OFFLOAD_MIN_SIZE(offload_host).
 *
 * offload_host grows no further: services added after ABI 1.2 are host extensions, looked up by
 * id with get_extension() (e.g. OFFLOAD_HOST_PROCESS_V2, see host_process.h).
 */
#pragma once

#include "abi.h"

typedef struct offload_host offload_host;

/* The plugin's own table of offload.toml ([provider] or [discovery]). Owned by the host, valid
 * until the instance created from it is destroyed. */
typedef struct offload_config offload_config;

typedef int32_t offload_log_level;
enum { OFFLOAD_LOG_DEBUG = 0, OFFLOAD_LOG_INFO = 1, OFFLOAD_LOG_WARNING = 2, OFFLOAD_LOG_ERROR = 3 };

typedef int32_t offload_value_type;
enum {
    OFFLOAD_VALUE_NONE = 0, /* the key is absent */
    OFFLOAD_VALUE_STRING = 1,
    OFFLOAD_VALUE_INTEGER = 2,
    OFFLOAD_VALUE_FLOAT = 3,
    OFFLOAD_VALUE_BOOLEAN = 4,
    OFFLOAD_VALUE_ARRAY = 5,
    OFFLOAD_VALUE_TABLE = 6,
    OFFLOAD_VALUE_OTHER = 7 /* dates and times */
};

/* How hard the run is being stopped. */
typedef int32_t offload_cancel_level;
enum {
    OFFLOAD_CANCEL_NONE = 0,
    OFFLOAD_CANCEL_GRACEFUL = 1, /* first Ctrl-C: stop what runs, politely, then clean up */
    OFFLOAD_CANCEL_IMMEDIATE = 2 /* second Ctrl-C: kill at once, then clean up */
};

/* A local command for run_process(). All pointers are borrowed for the call. */
typedef struct offload_process_request {
    uint32_t struct_size;
    const char *const *argv;           /* NULL-terminated; argv[0] is looked up in PATH */
    const char *working_dir;           /* NULL: the project directory (where offload.toml is) */
    const char *const *env;            /* NULL-terminated "NAME=value" entries added to (or replacing in)
                                          offload's own environment; NULL for none */
    uint64_t timeout_ms;               /* 0: no timeout */
    uint64_t kill_grace_ms;            /* after a timeout or cancellation, SIGTERM to the process
                                          group, then SIGKILL after this long */
    const offload_output_sink *output; /* receives stdout and stderr as they arrive; may be NULL */
} offload_process_request;

typedef struct offload_process_result {
    uint32_t struct_size;
    int32_t exit_code;    /* the exit code, or 128 + signal when killed by a signal */
    int32_t term_signal;  /* the signal that ended the process, 0 if it exited */
    int32_t timed_out;    /* 1 if offload killed it because timeout_ms passed */
    uint64_t duration_ms; /* wall time from start to the end of the whole process group */
} offload_process_result;

/* One <testcase> of a JUnit XML file, as read by the host. Strings are borrowed for the call,
 * never NULL ("" when absent), sanitized to valid UTF-8 without control characters. */
typedef struct offload_junit_case {
    uint32_t struct_size;
    const char *suite; /* name of the enclosing <testsuite> */
    const char *classname;
    const char *name;
    const char *file;
    double time_secs; /* negative when absent */
    offload_outcome outcome;
    const char *message; /* message attribute of <failure>, <error> or <skipped> */
    const char *details; /* body of <failure>/<error>, then <system-out> and <system-err> */
} offload_junit_case;

/* Receives the cases read_junit() reads. Owned by the caller of read_junit(). */
typedef struct offload_junit_sink {
    uint32_t struct_size;
    void *context;
    /* [caller-thread] One case, in file order; test_case is borrowed for the call. */
    void (*on_case)(void *context, const offload_junit_case *test_case);
} offload_junit_sink;

struct offload_host {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    const char *host_version; /* offload's version, e.g. "0.1.0"; owned by the host */
    void *host_context;       /* private to the host */

    /* [thread-safe] Writes one message to offload's log, prefixed with the plugin's id. message is
     * borrowed for the call. */
    void (*log)(const offload_host *host, offload_log_level level, const char *message);

    /* --- Configuration -------------------------------------------------------------------
     * Keys are paths inside the plugin's table: "shell", "env.PATH", "hosts[2]",
     * "env.\"a.b\"" (a quoted segment may contain dots); "" is the plugin's table itself, so
     * config_get_size/config_get_key("") enumerate every key of it. A plugin reads every key it supports
     * in its create(); after create() the host warns about keys nobody read.
     * A getter called on a value of another type returns OFFLOAD_WRONG_TYPE and the host itself
     * tells the user (file:line:column, key, expected type); the plugin then fails create().
     * All of them are [thread-safe]; config is the one create() was given, valid until the
     * instance is destroyed; key is borrowed for the call; values are copied out (into the sink
     * or the pointer), nothing returned points into the host. Status: OFFLOAD_OK, or
     * OFFLOAD_NOT_FOUND when the key is absent, or OFFLOAD_WRONG_TYPE. */
    /* [thread-safe] The type of the value at key; OFFLOAD_VALUE_NONE when it is absent. */
    offload_value_type (*config_type)(const offload_host *host, const offload_config *config,
                                      const char *key);
    /* [thread-safe] Appends the string at key to value. */
    offload_status (*config_get_string)(const offload_host *host, const offload_config *config,
                                        const char *key, const offload_text_sink *value);
    /* [thread-safe] */
    offload_status (*config_get_integer)(const offload_host *host, const offload_config *config,
                                         const char *key, int64_t *value);
    /* [thread-safe] Accepts integers too. */
    offload_status (*config_get_float)(const offload_host *host, const offload_config *config,
                                       const char *key, double *value);
    /* [thread-safe] */
    offload_status (*config_get_boolean)(const offload_host *host, const offload_config *config,
                                         const char *key, int32_t *value);
    /* [thread-safe] Number of elements of an array, or of entries of a table. */
    offload_status (*config_get_size)(const offload_host *host, const offload_config *config, const char *key,
                                      size_t *size);
    /* [thread-safe] Appends the name of the index-th entry of the table at key to name; entries
     * are sorted by name (byte order), not in file order. */
    offload_status (*config_get_key)(const offload_host *host, const offload_config *config, const char *key,
                                     size_t index, const offload_text_sink *name);
    /* [thread-safe] Tells the user that the value at key is wrong, with its location in the file.
     * Use it for values of the right type that the plugin still cannot accept; then fail create().
     * key and message are borrowed for the call. */
    void (*config_report)(const offload_host *host, const offload_config *config, const char *key,
                          offload_log_level level, const char *message);

    /* --- Cancellation ----------------------------------------------------------------------
     * [thread-safe] How hard the work of the calling thread is being stopped: the whole run
     * (Ctrl-C), or, on the thread running a provider's exec(), that batch alone (a duplicate of a
     * straggling batch that lost its race). run_process() obeys it by itself. The answer is for
     * the calling thread: a thread the plugin started itself sees only the run's own level (use
     * the offload_cancel handle of the 1.2 interfaces, cancel.h, to stop work on such threads). */
    offload_cancel_level (*cancel_level)(const offload_host *host);

    /* --- Local processes -------------------------------------------------------------------
     * Runs a command on this machine in a new process group, streams its output, and waits for
     * it. On timeout or cancellation the whole group gets SIGTERM, then SIGKILL after
     * kill_grace_ms (at once on OFFLOAD_CANCEL_IMMEDIATE); when the leader exits, whatever is
     * left in its group is killed the same way, so nothing outlives the call. On the thread
     * running exec(), until a command of the batch was cancelled, a cancellation that came before
     * the call stops the command too (a batch started as Ctrl-C came does not run on); after
     * that, and elsewhere (create, destroy), only a rise of the level during the call does, so
     * that cleanup started after Ctrl-C (a remote kill, a destroy) runs to its end unless the user
     * interrupts again.
     * Returns OFFLOAD_OK when the command ran (whatever its exit code; see result),
     * OFFLOAD_CANCELLED when cancellation stopped it, OFFLOAD_ERROR when it could not be
     * started (error says why). Blocks the calling thread. [thread-safe]
     * request and error are borrowed for the call; result (owned by the caller, struct_size set by
     * the caller) is filled when the command ran. Output is handed to request->output on the
     * calling thread. */
    offload_status (*run_process)(const offload_host *host, const offload_process_request *request,
                                  offload_process_result *result, const offload_text_sink *error);

    /* --- Helpers --------------------------------------------------------------------------- */
    /* [thread-safe] Appends word quoted for a POSIX shell, so that the shell passes it on as one
     * argument, byte for byte, and never interprets any part of it. word is borrowed. */
    void (*shell_quote)(const offload_host *host, const char *word, const offload_text_sink *quoted);
    /* [thread-safe] Reads a JUnit XML file and hands every <testcase> to sink, in file order, on
     * the calling thread. A malformed file returns OFFLOAD_ERROR with the reason; cases read
     * before the error were already handed on. A missing file returns OFFLOAD_NOT_FOUND. */
    offload_status (*read_junit)(const offload_host *host, const char *path, const offload_junit_sink *sink,
                                 const offload_text_sink *error);

    /* Absolute path of the project directory (where offload.toml is; the current directory when
     * a command runs without one). Owned by the host, valid until deinit(). Appended in offload
     * 0.1 without a minor bump, so a host saying ABI 1.0 may lack it: check
     * OFFLOAD_HAS_FIELD(host, offload_host, project_dir) before reading it. */
    const char *project_dir;

    /* Appended in ABI 1.2; the last field this struct will ever get: later services are
     * extensions. [thread-safe]
     * Returns the host extension with that id (e.g. OFFLOAD_HOST_PROCESS_V2, a struct owned by the
     * host and valid until deinit()), or NULL when this host does not offer it. extension_id is
     * borrowed for the call. Check OFFLOAD_HAS_FIELD(host, offload_host, get_extension) before
     * calling it (a 1.0 or 1.1 host has no extensions), then OFFLOAD_SIZE_OK on what it returns. */
    const void *(*get_extension)(const offload_host *host, const char *extension_id);
};

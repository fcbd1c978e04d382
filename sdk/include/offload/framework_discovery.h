/* offload plugin SDK — framework extension "offload.framework.discovery_inputs/1": what the list
 * of tests depends on, so that an unchanged project is not discovered again (ABI 1.2).
 *
 * A framework that returns this from get_interface(OFFLOAD_FRAMEWORK_DISCOVERY_INPUTS_V1) names
 * the inputs of its discovery: files (by glob or by path) and cheap commands whose output stands
 * for a tool's version. offload keeps the discovery command's output with a fingerprint of those
 * inputs, of the discovery command itself, its directory and environment, and of the plugin; when
 * all of them are unchanged, it gives parse_discovery() the kept output instead of running the
 * command. An input left out makes offload run stale lists: name everything that can add, remove
 * or rename a test. A framework without this extension is discovered on every run.
 */
#pragma once

#include "abi.h"
#include "framework.h"

#define OFFLOAD_FRAMEWORK_DISCOVERY_INPUTS_V1 "offload.framework.discovery_inputs/1"

/* What an offload_discovery_input names. Relative paths are relative to the directory discovery
 * runs in. */
typedef enum offload_discovery_input_kind {
    /* Every file a glob matches: `*`, `?` and `[...]` within one path component, `**` for any
     * number of directories (`**` / `*.py`: every .py file below the directory). Directories whose
     * names start with a dot, and those the framework names with OFFLOAD_INPUT_SKIP_DIRECTORY, are
     * not searched. Which files match and their contents are the input. */
    OFFLOAD_INPUT_GLOB = 1,
    /* One file by path: its contents, or that it does not exist. */
    OFFLOAD_INPUT_FILE = 2,
    /* A shell command run in the discovery directory with discovery's environment: its exit code
     * and stdout. It runs on every lookup, so it must be cheap (a version, a lock file's hash). */
    OFFLOAD_INPUT_COMMAND = 3,
    /* A directory name pattern (`*`, `?`, `[...]`) that globs do not descend into, e.g. "target",
     * "__pycache__", "*.egg-info". */
    OFFLOAD_INPUT_SKIP_DIRECTORY = 4
} offload_discovery_input_kind;

/* One input. Borrowed for the call to add(); the host copies. */
typedef struct offload_discovery_input {
    uint32_t struct_size;
    uint32_t kind;     /* offload_discovery_input_kind */
    const char *value; /* the glob, path, command or pattern */
} offload_discovery_input;

/* Receives inputs. Owned by the host, valid for the call to inputs(). */
typedef struct offload_discovery_input_sink {
    uint32_t struct_size;
    void *context;
    /* [caller-thread] One input; input and its string are borrowed for the call. */
    void (*add)(void *context, const offload_discovery_input *input);
} offload_discovery_input_sink;

/* Static storage duration, owned by the plugin (like offload_framework_v1). */
typedef struct offload_framework_discovery_inputs_v1 {
    uint32_t struct_size;

    /* [main-thread] Adds the inputs of this instance's discovery to sink. Called before discovery
     * runs (the inputs a lookup checks), and again after parse_discovery() of a discovery that ran
     * (which may name more: files discovery found or built, such as test binaries; the cache keeps
     * these too). Returns OFFLOAD_OK, OFFLOAD_NOT_FOUND when this configuration's discovery must
     * run every time (nothing is cached), or OFFLOAD_ERROR with a message in error. */
    offload_status (*inputs)(const offload_framework_instance *instance,
                             const offload_discovery_input_sink *sink, const offload_text_sink *error);
} offload_framework_discovery_inputs_v1;

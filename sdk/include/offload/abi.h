/* offload plugin SDK — ABI basics shared by every interface.
 *
 * Conventions that hold for every header of the SDK:
 * - Every struct that crosses the boundary starts with `uint32_t struct_size`, set by whoever
 *   fills the struct to sizeof() of the version it was built with. A reader refuses a struct
 *   smaller than the first published version of its type (OFFLOAD_SIZE_OK and the table of
 *   sizes.h), and checks OFFLOAD_HAS_FIELD before it touches a field appended in a later minor
 *   version.
 * - Pointers passed into a call are borrowed for the duration of that call only, unless the
 *   function's comment says otherwise.
 * - Text coming back across the boundary is handed to an offload_text_sink owned by the caller;
 *   nothing allocated on one side is freed on the other.
 * - No C++ exception ever crosses the boundary: a C++ plugin catches everything at its entry points.
 * - Strings are NUL-terminated UTF-8 unless a length is given next to them.
 *
 * Every function pointer and inline function carries tags in its comment:
 *   [main-thread]    called only on the host's main thread (the thread that loaded the plugin);
 *   [worker-thread]  called on one of the host's worker threads, concurrently with calls for other
 *                    objects; the header says which calls never overlap;
 *   [caller-thread]  a callback of a struct passed into a call: called only on the thread that
 *                    made that call, and only before it returns;
 *   [thread-safe]    may be called from any thread, at any time the object is valid, concurrently;
 *   [optional]       the pointer may be NULL; the reader checks before calling it. A function
 *                    without the tag must be set, or the struct is refused.
 *
 * How the ABI evolves (as CLAP does it):
 * - The major version is in the entry symbol's name (offload_plugin_entry_v1) and in the ids of the
 *   first interfaces ("offload.provider.v1", "offload.framework.v1"). A new major is a new symbol.
 * - A published struct is frozen: no field is ever removed, reordered, retyped or given another
 *   meaning. Up to 1.2 three fields were appended at the end of their struct (offload_host's
 *   project_dir and get_extension, offload_provider_v1's sandbox_capacity; each marked in its
 *   header, the sizes of each version are in sizes.h). From 1.2 on no struct grows: a new
 *   capability is a new interface with an id of its own and structs of its own, looked up by
 *   string on both sides. The plugin answers its interfaces from descriptor->get_interface(id);
 *   the host answers its extensions from host->get_extension(host, id).
 * - Ids read `offload.<area>.<name>/<rev>` (e.g. "offload.provider.exec/2"; the first two,
 *   "offload.provider.v1" and "offload.framework.v1", keep their older form). An incompatible
 *   change is a new rev, i.e. a new id, and a side may offer several revs at once. Whoever asks
 *   for an id it does not get falls back to what it had before; an unknown id is answered with
 *   NULL, never an error.
 * - Should a struct have to grow all the same, the field goes at its end, starting at or after
 *   the previous version's sizeof() (tail padding is first declared as a reserved field, so that
 *   no older writer's struct_size claims a field it never wrote), and readers check
 *   OFFLOAD_HAS_FIELD before touching it.
 * - OFFLOAD_ABI_MINOR rises with every release that adds an id or a field, and every new struct
 *   gets its minimum size in sizes.h. Plugins and hosts of any minor of one major load each
 *   other: each side reads only what the other's struct_size and ids say it has.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define OFFLOAD_ABI_MAJOR 1
#define OFFLOAD_ABI_MINOR 3

#ifdef __cplusplus
#define OFFLOAD_EXTERN_C extern "C"
#else
#define OFFLOAD_EXTERN_C
#endif

#if defined(__GNUC__) || defined(__clang__)
#define OFFLOAD_EXPORT OFFLOAD_EXTERN_C __attribute__((visibility("default")))
#define OFFLOAD_PRINTF_LIKE(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define OFFLOAD_EXPORT OFFLOAD_EXTERN_C
#define OFFLOAD_PRINTF_LIKE(fmt, first)
#endif

/* The offset just past FIELD of TYPE: the struct_size of a version of TYPE whose last field is FIELD. */
#define OFFLOAD_END_OF(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* True when the struct at ptr (of type TYPE, as its writer knew it) contains FIELD: check it
 * before reading a field appended after the first version of TYPE. */
#define OFFLOAD_HAS_FIELD(ptr, type, field) ((ptr)->struct_size >= OFFLOAD_END_OF(type, field))

/* Result of every fallible SDK function. */
typedef int32_t offload_status;
enum {
    OFFLOAD_OK = 0,
    OFFLOAD_ERROR = 1,       /* failed; the error sink of the call says why */
    OFFLOAD_NOT_FOUND = 2,   /* the config key, file or object does not exist */
    OFFLOAD_WRONG_TYPE = 3,  /* the config value has another type than asked for */
    OFFLOAD_INFRA_ERROR = 4, /* the sandbox or its connection failed: not the test's fault */
    OFFLOAD_CANCELLED = 5,   /* the run was interrupted (Ctrl-C) while the call was working */
    OFFLOAD_UNSUPPORTED = 6  /* the callee does not implement this operation */
};

/* Receives text of any length, in one or more pieces.
 * Owned by the caller of the function it is passed to; valid for that call only. */
typedef struct offload_text_sink {
    uint32_t struct_size;
    void *context;
    /* [caller-thread] Appends length bytes of data (borrowed for the call; not NUL-terminated). */
    void (*append)(void *context, const char *data, size_t length);
} offload_text_sink;

/* [thread-safe] Appends a NUL-terminated string. A NULL sink or string is ignored. */
static inline void offload_text_append(const offload_text_sink *sink, const char *text)
{
    size_t length = 0;
    if (!sink || !sink->append || !text)
        return;
    while (text[length])
        ++length;
    sink->append(sink->context, text, length);
}

/* [thread-safe] printf into a sink. Output of any length; falls back to a truncated message if
 * memory is short. */
static inline void offload_text_vprintf(const offload_text_sink *sink, const char *format, va_list args)
{
    char small[512];
    va_list copy;
    int needed;
    if (!sink || !sink->append)
        return;
    va_copy(copy, args);
    needed = vsnprintf(small, sizeof small, format, copy);
    va_end(copy);
    if (needed < 0)
        return;
    if ((size_t)needed < sizeof small) {
        sink->append(sink->context, small, (size_t)needed);
    } else {
        char *large = (char *)malloc((size_t)needed + 1);
        if (!large) {
            sink->append(sink->context, small, sizeof small - 1);
            return;
        }
        vsnprintf(large, (size_t)needed + 1, format, args);
        sink->append(sink->context, large, (size_t)needed);
        free(large);
    }
}

/* [thread-safe] printf into a sink; see offload_text_vprintf. */
static inline void offload_text_printf(const offload_text_sink *sink, const char *format, ...)
    OFFLOAD_PRINTF_LIKE(2, 3);
static inline void offload_text_printf(const offload_text_sink *sink, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    offload_text_vprintf(sink, format, args);
    va_end(args);
}

/* The two output streams of a process. */
enum { OFFLOAD_STREAM_STDOUT = 1, OFFLOAD_STREAM_STDERR = 2 };

/* Receives the output of a running command as it arrives, in chunks of any size (not split at
 * line boundaries). Owned by the caller of the function it is passed to; valid for that call only. */
typedef struct offload_output_sink {
    uint32_t struct_size;
    void *context;
    /* [caller-thread] Called on the thread that runs the command (the one that called exec() or
     * run_process()), never after that call returned. data is borrowed for the call. stream is
     * OFFLOAD_STREAM_STDOUT or OFFLOAD_STREAM_STDERR. */
    void (*write)(void *context, int32_t stream, const char *data, size_t length);
} offload_output_sink;

/* Outcome of one test. */
typedef int32_t offload_outcome;
enum {
    OFFLOAD_OUTCOME_PASSED = 1,
    OFFLOAD_OUTCOME_FAILED = 2,  /* the test ran and failed (assertion, crash, timeout) */
    OFFLOAD_OUTCOME_SKIPPED = 3, /* skipped or expected failure, by the test's own decision */
    OFFLOAD_OUTCOME_ERROR = 4    /* the test could not run properly (setup error, fixture error) */
};

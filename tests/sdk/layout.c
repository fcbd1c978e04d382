/* The plugin ABI's structs have the layout pinned in layout.h: checked at compile time, once
 * against each set of headers (the current ones, and those of ABI 1.0 and 1.1 kept in
 * tests/fixtures; see tests/meson.build). Every struct starts with a uint32_t struct_size; every
 * field of a published version stays where it was; an appended field starts at or after the size
 * of the version before it; OFFLOAD_MIN_SIZE is the size of each struct's first version. x86_64
 * (LP64) only. C11 for _Static_assert: the headers themselves stay C99. */
#include <offload/offload.h>

#if OFFLOAD_ABI_MAJOR != 1 || OFFLOAD_ABI_MINOR > 3
#error "layout.h knows ABI 1.0 to 1.3: add a size column for the new minor"
#endif

#define LAYOUT_CHECK(condition, what) _Static_assert(condition, what);

/* The size of a 1.0 struct in the minor of the headers this file is compiled against. From 1.2 on
 * no struct grows (abi.h): later minors have 1.2's sizes. */
#if OFFLOAD_ABI_MINOR == 0
#define LAYOUT_SIZE_NOW(s10, s11, s12) (s10)
#elif OFFLOAD_ABI_MINOR == 1
#define LAYOUT_SIZE_NOW(s10, s11, s12) (s11)
#else
#define LAYOUT_SIZE_NOW(s10, s11, s12) (s12)
#endif

#define LAYOUT_STRUCT_SIZE(type, size)                                                                       \
    LAYOUT_CHECK(sizeof(type) == (size), "sizeof(" #type ") changed")                                        \
    LAYOUT_CHECK(offsetof(type, struct_size) == 0 && sizeof(((type *)0)->struct_size) == 4,                  \
                 #type " must start with uint32_t struct_size")
#define LAYOUT_FIELD(type, field, offset)                                                                    \
    LAYOUT_CHECK(offsetof(type, field) == (offset),                                                          \
                 #type "." #field " moved: it must stay at offset " #offset)
#define LAYOUT_APPENDED(type, field, offset, before)                                                         \
    LAYOUT_FIELD(type, field, offset)                                                                        \
    LAYOUT_CHECK((offset) >= (before),                                                                       \
                 #type "." #field " was appended inside the tail padding of the version before")

/* Only the current headers have sizes.h; the minimum is the first version's size, up to its
 * tail padding. */
#if OFFLOAD_ABI_MINOR >= 2
#define LAYOUT_MINIMUM(type, minimum, first_size)                                                            \
    LAYOUT_CHECK(OFFLOAD_MIN_SIZE(type) == (minimum), "OFFLOAD_MIN_SIZE(" #type ") changed")                 \
    LAYOUT_CHECK((minimum) <= (first_size) && (first_size) - (minimum) < 8,                                  \
                 "OFFLOAD_MIN_SIZE(" #type ") is not the size of its first version")
#else
#define LAYOUT_MINIMUM(type, minimum, first_size)
#endif

#define LAYOUT_STRUCT_1_0(type, minimum, s10, s11, s12)                                                      \
    LAYOUT_STRUCT_SIZE(type, LAYOUT_SIZE_NOW(s10, s11, s12)) LAYOUT_MINIMUM(type, minimum, s10)
#define LAYOUT_FIELD_1_0(type, field, offset) LAYOUT_FIELD(type, field, offset)
#if OFFLOAD_ABI_MINOR >= 1
#define LAYOUT_APPENDED_1_1(type, field, offset, before) LAYOUT_APPENDED(type, field, offset, before)
#else
#define LAYOUT_APPENDED_1_1(type, field, offset, before)
#endif
#if OFFLOAD_ABI_MINOR >= 2
#define LAYOUT_STRUCT_1_2(type, minimum, s12) LAYOUT_STRUCT_SIZE(type, s12) LAYOUT_MINIMUM(type, minimum, s12)
#define LAYOUT_FIELD_1_2(type, field, offset) LAYOUT_FIELD(type, field, offset)
#define LAYOUT_APPENDED_1_2(type, field, offset, before) LAYOUT_APPENDED(type, field, offset, before)
#else
#define LAYOUT_STRUCT_1_2(type, minimum, s12)
#define LAYOUT_FIELD_1_2(type, field, offset)
#define LAYOUT_APPENDED_1_2(type, field, offset, before)
#endif
#if OFFLOAD_ABI_MINOR >= 3
#define LAYOUT_STRUCT_1_3(type, minimum, s13) LAYOUT_STRUCT_SIZE(type, s13) LAYOUT_MINIMUM(type, minimum, s13)
#define LAYOUT_FIELD_1_3(type, field, offset) LAYOUT_FIELD(type, field, offset)
#else
#define LAYOUT_STRUCT_1_3(type, minimum, s13)
#define LAYOUT_FIELD_1_3(type, field, offset)
#endif

#include "layout.h"

int main(void)
{
    return 0;
}

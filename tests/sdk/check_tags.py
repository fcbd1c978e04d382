"""Every function of the SDK's C headers says on which thread it runs.

Each function pointer of a struct, each function-pointer typedef and each inline function of
sdk/include/offload/*.h must have, in the comment right above it, one thread tag
([main-thread], [worker-thread], [caller-thread] or [thread-safe]; abi.h defines them). Whether
[optional] matches the host is for review: the host's code decides it. Usage: check_tags.py
SDK_INCLUDE_DIR
"""
import pathlib
import re
import sys

THREAD_TAGS = ("[main-thread]", "[worker-thread]", "[caller-thread]", "[thread-safe]")
# A member `ret (*name)(`, a typedef `typedef ret (*name)(`, or `static inline ret name(`.
FUNCTION = re.compile(r"^\s*(?:typedef\s+)?[\w\s\*]+\(\*(\w+)\)\(|^static inline [\w\s\*]+?(\w+)\(")


def comment_above(lines, index, name):
    """The comment block that ends right above lines[index], as one string. A prototype of the
    same function right above its definition (offload_text_printf) shares the comment."""
    i = index - 1
    while i >= 0 and (re.search(rf"\b{name}\(", lines[i]) or lines[i].lstrip().startswith("OFFLOAD_PRINTF_LIKE")):
        i -= 1
    block = []
    while i >= 0 and lines[i].strip() and lines[i].lstrip().startswith(("/*", "*", "*/")):
        block.append(lines[i])
        if lines[i].lstrip().startswith("/*"):
            break
        i -= 1
    return "\n".join(reversed(block))


def main():
    include = pathlib.Path(sys.argv[1])
    missing = []
    checked = 0
    for header in sorted(include.glob("offload/*.h")):
        lines = header.read_text().splitlines()
        for index, line in enumerate(lines):
            match = FUNCTION.match(line)
            if not match:
                continue
            name = match.group(1) or match.group(2)
            checked += 1
            comment = comment_above(lines, index, name)
            if not any(tag in comment for tag in THREAD_TAGS):
                missing.append(f"{header.name}:{index + 1}: {name} has no thread tag in the comment above it")
    for line in missing:
        print(line)
    print(f"{checked} functions checked, {len(missing)} without a thread tag")
    return 1 if missing or checked < 40 else 0


if __name__ == "__main__":
    sys.exit(main())

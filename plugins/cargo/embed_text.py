"""Writes a C++ header that holds a text file as a std::string_view, so that a plugin carries a
program it hands to sandboxes (the cargo worker, offload_worker.sh) without a file to install.

    embed_text.py INPUT OUTPUT NAMESPACE NAME
"""
import pathlib
import sys


def main():
    source, output, namespace, name = sys.argv[1:]
    text = pathlib.Path(source).read_text(encoding="utf-8")
    delimiter = "offload_embed"
    if f"){delimiter}\"" in text:
        sys.exit(f"{source} contains ){delimiter}\", the end of the raw string that embeds it")
    header = (f"// Generated from {pathlib.Path(source).name} by embed_text.py at build time: edit that file.\n"
              "#pragma once\n\n#include <string_view>\n\n"
              f"namespace {namespace} {{\n\n"
              f"inline constexpr std::string_view {name} = R\"{delimiter}({text}){delimiter}\";\n\n"
              "}\n")
    pathlib.Path(output).write_text(header, encoding="utf-8")


if __name__ == "__main__":
    main()

// Their frameworks: pytest, nextest (cargo early), default, vitest; and the groups over them.
#include "config/rust_offload/sections.hpp"

#include "config/toml_access.hpp"
#include "util/shell_quote.hpp"
#include "util/shell_split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace offload::rust_offload {

namespace {

// A string, or an array of strings, from words.
toml::array words_array(const std::vector<std::string> &words)
{
    toml::array array;
    for (const std::string &word : words)
        array.push_back(word);
    return array;
}

void put_words(Translator &t, const TablePath &target, const std::string &key,
               const std::vector<std::string> &words, const OldKey &from, const std::string &why)
{
    if (words.size() == 1)
        t.put(target, key, words.front(), from, why);
    else
        t.put(target, key, words_array(words), from, why);
}

bool is_uv(const std::string &word)
{
    return std::filesystem::path(word).filename() == "uv";
}

// The interpreter of a pytest command line, as offload's `python` words: "uv run --with=pytest
// pytest" → uv run --with=pytest python; "python3 -m pytest" → python3. nullopt when the command
// does not say which Python runs pytest.
std::optional<std::vector<std::string>> python_of_command(std::vector<std::string> words)
{
    if (words.size() >= 3 && words[words.size() - 2] == "-m" && words.back() == "pytest") {
        words.resize(words.size() - 2);
        return words;
    }
    if (!words.empty() && std::filesystem::path(words.back()).filename() == "pytest") {
        if (words.size() == 1)
            return std::vector<std::string>{"python3"};
        // `uv run [options] pytest`: the same environment's Python.
        if (is_uv(words.front()) && std::find(words.begin(), words.end(), "run") != words.end()) {
            words.back() = "python";
            return words;
        }
    }
    return std::nullopt;
}

// Their early pytest ran `PYTHON EXTRA_ARGS... -m pytest`: extra_args were the interpreter's
// arguments. `uv run --with=pytest` then needs the program it runs: python.
std::vector<std::string> python_of_early(const std::string &python, const std::vector<std::string> &extra)
{
    std::vector<std::string> words = {python};
    words.insert(words.end(), extra.begin(), extra.end());
    if (is_uv(python) && std::find(words.begin(), words.end(), "run") != words.end()) {
        const bool has_program = std::any_of(words.begin() + 1, words.end(),
                                             [](const std::string &w) { return w != "run" && w[0] != '-'; });
        if (!has_program)
            words.push_back("python");
    }
    return words;
}

std::optional<std::vector<std::string>> string_list(Translator &t, const OldKey &key)
{
    const toml::array *array = key.node->as_array();
    std::vector<std::string> values;
    if (!array)
        return t.invalid(key, "an array of strings"), std::nullopt;
    for (const toml::node &element : *array) {
        if (!element.as_string())
            return t.invalid(key, "an array of strings"), std::nullopt;
        values.push_back(element.as_string()->get());
    }
    return values;
}

// test_id_format: offload names tests its own way; say what the format meant.
void id_format(Translator &t, const OldKey &key, const std::string &type, const TablePath &target)
{
    const std::string format = key.string().value_or("");
    if (type == "pytest") {
        t.no_effect(key, target,
                    format == "{name}"
                        ? "offload's pytest ids are pytest's node ids, what {name} is with the "
                          "record_xml_attribute(\"name\", nodeid) conftest"
                        : "offload's pytest ids are pytest's node ids, whatever the format");
    } else if (type == "cargo") {
        t.no_effect(
            key, target,
            "offload's cargo ids are TARGET::path::test (e.g. lib::tests::it_works), not \"" + format +
                "\" of nextest's JUnit: --filter patterns and [[retry.overrides]] written for the old "
                "ids need rewriting");
    } else if (type == "vitest") {
        t.no_effect(key, target, "offload's vitest ids are FILE > describe > test, as vitest reports them");
    } else if (format == "{name}" || format == "{classname}.{name}" || format == "{classname}::{name}" ||
               format == "{classname}/{name}") {
        t.no_effect(key, target,
                    "offload matches the JUnit cases of result_file to the discovered ids by name, "
                    "classname.name, classname::name and classname/name");
    } else {
        t.unsupported(key, "the generic framework matches JUnit cases to ids by name, classname.name, "
                           "classname::name or classname/name only; make discover_command print ids of one "
                           "of those forms");
    }
}

std::string cd_prefix(const std::string &dir)
{
    return "cd " + shell_quote(dir) + " && ";
}

} // namespace

std::optional<std::vector<std::string>> command_words(Translator &t, const OldKey &key)
{
    const std::optional<std::string> text = key.string();
    if (!text)
        return t.invalid(key, "a string"), std::nullopt;
    Expected<std::vector<std::string>> words = shell_split(*text);
    if (!words) {
        t.diagnostics().error(key.where, describe_key(key.section, key.key) + ": " + words.error());
        return std::nullopt;
    }
    return *words;
}

std::string translate_framework(Translator &t, const OldKey &framework, const TablePath &target, bool early,
                                const std::vector<std::string> &skip)
{
    const std::vector<OldKey> keys = t.keys_of(framework);
    const auto type_key =
        std::find_if(keys.begin(), keys.end(), [](const OldKey &k) { return k.is("type"); });
    t.header(target, framework);
    if (type_key == keys.end() || !type_key->string()) {
        t.diagnostics().error(framework.where,
                              fmt::format("[{}] has no `type`: the Rust offload's frameworks are "
                                          "pytest, nextest, default and vitest",
                                          framework.section));
        return {};
    }
    const std::string theirs = *type_key->string();
    const std::string ours = theirs == "nextest" || theirs == "cargo" ? "cargo"
                             : theirs == "default"                    ? "generic"
                                                                      : theirs;
    if (ours != "pytest" && ours != "cargo" && ours != "generic" && ours != "vitest") {
        t.diagnostics().error(type_key->where,
                              fmt::format("{}: the Rust offload's frameworks are pytest, nextest, "
                                          "default and vitest",
                                          type_key->describe()));
        return {};
    }
    t.put(target, "type", ours, *type_key,
          ours == "cargo"     ? "offload runs cargo's own test harness, without cargo-nextest"
          : ours == "generic" ? "offload's framework of commands"
                              : "");

    std::optional<OldKey> python, extra_args, working_dir;
    std::vector<std::string> prefix_keys; // generic commands that working_dir applies to
    for (const OldKey &key : keys) {
        if (key.is("type") || std::find(skip.begin(), skip.end(), key.key) != skip.end())
            continue;
        if (key.is("test_id_format")) {
            id_format(t, key, ours, target);
        } else if (ours == "pytest" && key.is("paths")) {
            t.put_node(target, "paths", *key.node, key);
        } else if (ours == "pytest" && key.is("markers") && key.string()) {
            t.put(target, "markers", *key.string(), key);
        } else if (ours == "pytest" && early && key.is("python")) {
            python = key;
        } else if (ours == "pytest" && early && key.is("extra_args")) {
            extra_args = key;
        } else if (ours == "pytest" && !early && key.is("command")) {
            const auto words = command_words(t, key);
            if (!words)
                continue;
            if (auto interpreter = python_of_command(*words))
                put_words(t, target, "python", *interpreter, key,
                          "offload runs pytest as `PYTHON -c ...` with its own plugin");
            else
                t.unsupported(
                    key, "offload runs pytest through a Python interpreter (`python` in [discovery]); "
                         "this command does not say which one: write e.g. command = \"python3 -m pytest\"");
        } else if ((ours == "pytest" || ours == "vitest") && key.is("run_args")) {
            const auto words = command_words(t, key);
            if (words)
                t.put(target, "extra_args", words_array(*words), key,
                      "offload passes them at discovery too, where selection options select the same tests");
        } else if (ours == "vitest" && key.is("command")) {
            t.put_node(target, "command", *key.node, key);
        } else if (ours == "cargo" &&
                   (key.is("package") || key.is("include_ignored") || key.is("features"))) {
            t.put_node(target, key.key, *key.node, key);
        } else if (ours == "cargo" && key.is("bin") && key.string()) {
            t.put(target, "bin", words_array({*key.string()}), key);
        } else if (ours == "generic" &&
                   (key.is("discover_command") || key.is("run_command") || key.is("result_file"))) {
            t.put_node(target, key.key, *key.node, key);
            if (!key.is("result_file"))
                prefix_keys.push_back(key.key);
        } else if (ours == "generic" && key.is("working_dir")) {
            working_dir = key;
        } else {
            t.unknown(key, ours == "pytest"  ? (early ? "paths, python, markers, extra_args"
                                                      : "paths, command, run_args, test_id_format")
                           : ours == "cargo" ? "package, features, bin, include_ignored, test_id_format"
                           : ours == "generic"
                               ? "discover_command, run_command, result_file, working_dir, test_id_format"
                               : "command, run_args, test_id_format");
        }
    }
    if (ours == "pytest" && early) {
        if (!t.has(target, "paths"))
            t.put_default(target, "paths", words_array({"tests"}), framework, "paths",
                          "the Rust offload's default then");
        std::vector<std::string> extra;
        if (extra_args)
            extra = string_list(t, *extra_args).value_or(std::vector<std::string>{});
        if (python && python->string()) {
            put_words(t, target, "python", python_of_early(*python->string(), extra), *python,
                      "their pytest ran PYTHON EXTRA_ARGS -m pytest");
            if (extra_args)
                t.also_from(target, "python", *extra_args, "arguments of the interpreter, as they were");
        } else if (extra_args && !extra.empty()) {
            put_words(t, target, "python", python_of_early("python", extra), *extra_args,
                      "their pytest ran python EXTRA_ARGS -m pytest");
        }
    }
    if (working_dir && working_dir->string()) {
        for (const std::string &key : prefix_keys)
            t.put(target, key, cd_prefix(*working_dir->string()) + t.get(target, key)->as_string()->get(),
                  *working_dir, "the commands run in working_dir");
    }
    return ours;
}

} // namespace offload::rust_offload

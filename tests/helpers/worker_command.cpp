// A minimal host that asks a framework plugin for its worker command (offload.framework.live/1)
// and prints it, so that integration tests can run the very command a plugin gives, before the
// core runs workers itself. Only the SDK is used: the host table is a fake with the config
// getters, shell_quote and log, and the [discovery] table comes from the command line.
//
//   worker_command PLUGIN.so [--config KEY=VALUE]... [--test ID]...
//
// VALUE is a boolean when it is `true` or `false`, a list of strings when it is written
// `[a,b,c]`, else a string. Each --test adds a test id to the request (the tests known up
// front); without any, the request leaves them open. Prints the command and its capabilities on
// stderr; exits 1 with the plugin's message when it fails.
#include <offload/offload.h>
#include <offload/plugin.hpp>

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace {

using Value = std::variant<std::string, bool, std::vector<std::string>>;
std::map<std::string, Value> table;

// "key" or "key[N]" -> the value, or nullptr.
const Value *find(const std::string &key, size_t *index)
{
    *index = SIZE_MAX;
    std::string name = key;
    if (size_t open = key.find('['); open != std::string::npos && key.back() == ']') {
        name = key.substr(0, open);
        *index = std::stoul(key.substr(open + 1));
    }
    auto it = table.find(name);
    return it == table.end() ? nullptr : &it->second;
}

offload_value_type config_type(const offload_host *, const offload_config *, const char *key)
{
    size_t index = 0;
    const Value *value = find(key, &index);
    if (!value)
        return OFFLOAD_VALUE_NONE;
    if (const auto *list = std::get_if<std::vector<std::string>>(value))
        return index == SIZE_MAX      ? OFFLOAD_VALUE_ARRAY
               : index < list->size() ? OFFLOAD_VALUE_STRING
                                      : OFFLOAD_VALUE_NONE;
    return std::holds_alternative<bool>(*value) ? OFFLOAD_VALUE_BOOLEAN : OFFLOAD_VALUE_STRING;
}

offload_status get_string(const offload_host *host, const offload_config *config, const char *key,
                          const offload_text_sink *sink)
{
    if (config_type(host, config, key) != OFFLOAD_VALUE_STRING)
        return config_type(host, config, key) == OFFLOAD_VALUE_NONE ? OFFLOAD_NOT_FOUND : OFFLOAD_WRONG_TYPE;
    size_t index = 0;
    const Value *value = find(key, &index);
    offload::sdk::append_text(sink, index == SIZE_MAX ? std::get<std::string>(*value)
                                                      : std::get<std::vector<std::string>>(*value)[index]);
    return OFFLOAD_OK;
}

offload_status get_boolean(const offload_host *host, const offload_config *config, const char *key,
                           int32_t *out)
{
    if (config_type(host, config, key) != OFFLOAD_VALUE_BOOLEAN)
        return config_type(host, config, key) == OFFLOAD_VALUE_NONE ? OFFLOAD_NOT_FOUND : OFFLOAD_WRONG_TYPE;
    size_t index = 0;
    *out = std::get<bool>(*find(key, &index));
    return OFFLOAD_OK;
}

offload_status get_size(const offload_host *host, const offload_config *config, const char *key, size_t *size)
{
    if (config_type(host, config, key) != OFFLOAD_VALUE_ARRAY)
        return config_type(host, config, key) == OFFLOAD_VALUE_NONE ? OFFLOAD_NOT_FOUND : OFFLOAD_WRONG_TYPE;
    size_t index = 0;
    *size = std::get<std::vector<std::string>>(*find(key, &index)).size();
    return OFFLOAD_OK;
}

offload_status unsupported_integer(const offload_host *, const offload_config *, const char *, int64_t *)
{
    return OFFLOAD_NOT_FOUND;
}

offload_status unsupported_float(const offload_host *, const offload_config *, const char *, double *)
{
    return OFFLOAD_NOT_FOUND;
}

void report(const offload_host *, const offload_config *, const char *key, offload_log_level,
            const char *message)
{
    std::fprintf(stderr, "config %s: %s\n", key, message);
}

void log(const offload_host *, offload_log_level, const char *message)
{
    std::fprintf(stderr, "%s\n", message);
}

void shell_quote(const offload_host *, const char *word, const offload_text_sink *quoted)
{
    std::string text = "'";
    for (const char *c = word; *c; ++c)
        text += *c == '\'' ? std::string("'\\''") : std::string(1, *c);
    offload::sdk::append_text(quoted, text + "'");
}

Value parse_value(const std::string &text)
{
    if (text == "true" || text == "false")
        return text == "true";
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        std::vector<std::string> list;
        std::string rest = text.substr(1, text.size() - 2);
        for (size_t start = 0; !rest.empty() && start <= rest.size();) {
            size_t comma = rest.find(',', start);
            comma = comma == std::string::npos ? rest.size() : comma;
            list.push_back(rest.substr(start, comma - start));
            start = comma + 1;
        }
        return list;
    }
    return text;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PLUGIN.so [--config KEY=VALUE]... [--test ID]...\n", argv[0]);
        return 2;
    }
    std::vector<const char *> test_ids;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string option = argv[i], argument = argv[i + 1];
        if (option == "--test") {
            test_ids.push_back(argv[i + 1]);
        } else if (option == "--config" && argument.find('=') != std::string::npos) {
            table[argument.substr(0, argument.find('='))] =
                parse_value(argument.substr(argument.find('=') + 1));
        } else {
            std::fprintf(stderr, "unknown option %s\n", option.c_str());
            return 2;
        }
    }

    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    auto entry = library
                     ? reinterpret_cast<offload_plugin_entry_fn>(dlsym(library, OFFLOAD_PLUGIN_ENTRY_SYMBOL))
                     : nullptr;
    if (!entry) {
        std::fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    offload_host host{};
    host.struct_size = sizeof host;
    host.abi_major = OFFLOAD_ABI_MAJOR;
    host.abi_minor = OFFLOAD_ABI_MINOR;
    host.host_version = "test";
    host.log = log;
    host.config_type = config_type;
    host.config_get_string = get_string;
    host.config_get_integer = unsupported_integer;
    host.config_get_float = unsupported_float;
    host.config_get_boolean = get_boolean;
    host.config_get_size = get_size;
    host.config_report = report;
    host.shell_quote = shell_quote;

    std::string error;
    offload::sdk::StringSink error_sink(error);
    const offload_plugin_descriptor *descriptor = entry();
    if (descriptor->init && descriptor->init(&host, error_sink) != OFFLOAD_OK) {
        std::fprintf(stderr, "init failed: %s\n", error.c_str());
        return 1;
    }
    auto framework =
        static_cast<const offload_framework_v1 *>(descriptor->get_interface(OFFLOAD_FRAMEWORK_INTERFACE_V1));
    auto live =
        static_cast<const offload_framework_live_v1 *>(descriptor->get_interface(OFFLOAD_FRAMEWORK_LIVE_V1));
    if (!framework || !live) {
        std::fprintf(stderr, "%s is not a framework plugin with %s\n", argv[1], OFFLOAD_FRAMEWORK_LIVE_V1);
        return 1;
    }
    offload_framework_instance *instance = nullptr;
    if (framework->create(&host, reinterpret_cast<const offload_config *>(&table), &instance, error_sink) !=
        OFFLOAD_OK) {
        std::fprintf(stderr, "create failed: %s\n", error.c_str());
        return 1;
    }
    offload_worker_request request{sizeof request, test_ids.empty() ? nullptr : test_ids.data(),
                                   test_ids.size(), 0};
    std::string command;
    offload::sdk::StringSink command_sink(command);
    offload_status status = live->worker_command(instance, &request, command_sink, error_sink);
    std::fprintf(stderr, "capabilities %u\n", live->capabilities(instance));
    framework->destroy(instance);
    if (status != OFFLOAD_OK) {
        std::fprintf(stderr, "worker_command failed: %s\n", error.c_str());
        return 1;
    }
    std::fwrite(command.data(), 1, command.size(), stdout);
    return 0;
}

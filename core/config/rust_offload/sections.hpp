// The translations of the Rust offload's sections, one file each (see rust_offload_config.cpp for
// the order they run in). Internal to core/config/rust_offload.
#pragma once

#include "config/rust_offload/translator.hpp"

#include <optional>
#include <string>
#include <vector>

namespace offload::rust_offload {

// Keys of their [offload] that the provider translates: where the project is in its sandboxes
// and how the image is made.
struct SandboxKeys {
    std::optional<OldKey> repo_root;    // sandbox_repo_root
    std::optional<OldKey> project_root; // sandbox_project_root
    std::optional<OldKey> init_cmd;     // sandbox_init_cmd
    std::optional<OldKey> working_dir;  // working_dir
};

// [provider] → offload's [provider]; returns offload's provider type ("process", "script", "modal"),
// empty when it could not be translated.
std::string translate_provider(Translator &t, const OldKey &provider, const SandboxKeys &sandbox);

// One framework table (their [framework], or an early [groups.NAME]) → target ([discovery] or
// [discovery.NAME]); returns offload's framework type, empty when unknown. Keys in `skip` are the
// caller's.
std::string translate_framework(Translator &t, const OldKey &framework, const TablePath &target, bool early,
                                const std::vector<std::string> &skip = {});

// Early era: [groups.NAME] each holding a framework.
void translate_early_groups(Translator &t, const OldKey &groups);
// Current era: [groups.NAME] with filters, retry_count, schedule_individual, over the framework
// already written to [discovery].
void translate_current_groups(Translator &t, const OldKey &groups, const std::string &framework_type);

// The words of a command line; on a bad one, an error at the key and nullopt.
std::optional<std::vector<std::string>> command_words(Translator &t, const OldKey &key);

} // namespace offload::rust_offload

#include "config/document_adaptation.hpp"

#include "config/env_expansion.hpp"

#include <fmt/format.h>

namespace offload {

std::unique_ptr<RustOffloadConfig> adapt_document(toml::table &document, const std::string &file,
                                                  Diagnostics &diagnostics)
{
    std::unique_ptr<RustOffloadConfig> translation;
    if (is_rust_offload_config(document)) {
        translation =
            std::make_unique<RustOffloadConfig>(translate_rust_offload_config(document, file, diagnostics));
        diagnostics.warning(
            Location{file, 0, 0},
            fmt::format(
                "this file is in the Rust offload's {} form: offload reads it through a translation "
                "(`offload validate` shows what each key became); `offload migrate -c {} -o FILE` writes "
                "it in offload's own form, comments kept",
                translation->era == "early" ? "early ([groups.NAME] holding frameworks)" : "([framework])",
                file));
        document = std::move(translation->document);
        translation->document = toml::table{};
    }
    expand_document_variables(document, file, diagnostics);
    return translation;
}

} // namespace offload

// Test ids as a config file names them ([flaky] quarantine, [[retry.overrides]] tests): an exact
// id, or a pattern in which `*` stands for any run of characters (none included). Only `*` is
// special: ids are full of regex and glob characters (pytest's `test_a[1-2]`, `::`, `.`), which
// match themselves here.
#pragma once

#include <string>
#include <string_view>

namespace offload {

class IdPattern {
  public:
    explicit IdPattern(std::string text) : m_text(std::move(text)) {}

    // True when the whole id matches (not a part of it).
    bool matches(std::string_view id) const;
    const std::string &text() const { return m_text; }

  private:
    std::string m_text;
};

} // namespace offload

// Catch2 as a BinaryTool, versions 2 and 3 (told apart by --libidentify): listings of names
// (--list-test-names-only in v2, --list-tests --verbosity quiet in v3), runs selected by test
// specs, reports in Catch2's XML reporter, which counts [!shouldfail] and [!mayfail] cases as
// Catch2 does, tells SKIP() (v3), and is written whole even when a case crashes (Catch2 catches
// the signal and reports it as a FatalErrorCondition).
#pragma once

#include "common/binary_tool.hpp"

#include <offload/plugin.hpp>

namespace offload::catch2_plugin {

class Catch2Tool : public offload::common::BinaryTool {
  public:
    // include_hidden = true: hidden cases ([.], [!hide]) are discovered too.
    explicit Catch2Tool(const offload::sdk::Config &config);
    std::string name() const override { return "Catch2"; }
    std::string listing_script(const std::string &extra_args) const override;
    offload::common::ListedBinary
    read_listing(const std::string &binary,
                 const std::vector<offload::common::FramedPart> &parts) const override;
    bool selectable_with_others(const std::string &name) const override;
    std::vector<std::string> run_arguments(const std::vector<std::string> &names, const std::string &variant,
                                           const std::string &report_path) const override;
    std::string clean_end_condition() const override;
    offload::common::ToolReport read_report(const std::string &text) const override;
    std::string reported_name(const std::string &name) const override;

    static std::vector<std::pair<std::string, std::string>> forbidden_args();

  private:
    bool m_include_hidden = false;
};

// A name as one test spec of a comma-separated list that matches it (and, for the names
// selectable_with_others refuses, maybe others): Catch2's special characters escaped with "\".
std::string catch2_spec_item(const std::string &name);

} // namespace offload::catch2_plugin

// doctest as a BinaryTool: listings and reports in doctest's XML reporter, whose report says of
// each case whether doctest counts it a success (may_fail, should_fail and expected_failures
// included, which its JUnit reporter reports as failures), and is written whole even when a case
// crashes (doctest catches the signal and reports the case).
#pragma once

#include "common/binary_tool.hpp"

#include <offload/plugin.hpp>

namespace offload::doctest_plugin {

class DoctestTool : public offload::common::BinaryTool {
  public:
    explicit DoctestTool(const offload::sdk::Config &) {}
    std::string name() const override { return "doctest"; }
    std::string listing_script(const std::string &extra_args) const override;
    offload::common::ListedBinary
    read_listing(const std::string &binary,
                 const std::vector<offload::common::FramedPart> &parts) const override;
    bool selectable_with_others(const std::string &name) const override;
    std::vector<std::string> run_arguments(const std::vector<std::string> &names, const std::string &variant,
                                           const std::string &report_path) const override;
    std::string clean_end_condition() const override;
    offload::common::ToolReport read_report(const std::string &text) const override;

    // Options offload sets itself, with why (read_binary_settings).
    static std::vector<std::pair<std::string, std::string>> forbidden_args();
    // A group's filters: doctest's options that choose cases (-tc=, -tce=, -ts=, -tse=, -sf=, -sfe=
    // and their long forms). What is wrong with words, or "".
    static std::string filter_problem(const std::vector<std::string> &words);
    static const char *filter_syntax() { return "doctest filter options"; }
};

// A name as one item of doctest's comma-separated filters: "\" and "," escaped with "\".
std::string doctest_filter_item(const std::string &name);

} // namespace offload::doctest_plugin

#include "report/html_report.hpp"
#include "report/run_record.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace offload;
using namespace std::string_literals;

namespace {

std::string record_text(const std::vector<TestReport> &tests)
{
    RunReport report;
    report.tests = tests;
    RunHeader header;
    header.counts = count(report);
    std::string text;
    write_run_record([&](std::string_view piece) { text.append(piece); }, header, tests, "/out");
    return text;
}

std::string html_of(const std::vector<TestReport> &tests, const std::string &log_base = "")
{
    std::string html;
    render_html_report([&](std::string_view piece) { html.append(piece); }, record_text(tests), log_base,
                       "run.json");
    return html;
}

size_t occurrences(const std::string &text, const std::string &what)
{
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// The text of the <script> element with this id.
std::string script(const std::string &html, const std::string &id)
{
    const std::string open = "<script type=\"application/json\" id=\"" + id + "\">";
    const size_t start = html.find(open);
    REQUIRE(start != std::string::npos);
    const size_t end = html.find("</script>", start);
    REQUIRE(end != std::string::npos);
    return html.substr(start + open.size(), end - start - open.size());
}

TestReport failing(std::string id, std::string output)
{
    TestReport test;
    test.id = std::move(id);
    Attempt attempt;
    attempt.outcome = Outcome::Failed;
    attempt.message = "failed: " + output;
    attempt.output = std::move(output);
    test.attempts = {attempt};
    return test;
}

} // namespace

TEST_CASE("test text cannot end the script that holds the record, and reads back intact")
{
    const std::string hostile = "</script><script>alert(1)</script><!-- </SCRIPT >"s;
    const std::vector<TestReport> tests = {failing("id \"quoted\"\nnew line\0nul\xff" + hostile, hostile)};
    const std::string html = html_of(tests);
    const std::string empty = html_of({});
    // Only the page's own elements end: the same count as for a record without any text.
    CHECK(occurrences(html, "</script") == occurrences(empty, "</script"));
    CHECK(occurrences(html, "</SCRIPT") == 0);
    CHECK(occurrences(html, "<!--") == occurrences(empty, "<!--"));
    CHECK(html.find('\0') == std::string::npos);

    const std::string embedded = script(html, "offload-record");
    CHECK(embedded.find('<') == std::string::npos);
    Expected<RunRecord> record = parse_run_record(embedded, "embedded");
    REQUIRE_MESSAGE(record, record.error());
    REQUIRE(record->tests.size() == 1);
    CHECK(record->tests[0].id == "id \"quoted\"\nnew line\0nul\\xFF" + hostile);
    CHECK(record->tests[0].attempts[0].output == hostile);
}

TEST_CASE("the page is self-contained: no external URL, stylesheet, script or font")
{
    std::string html = html_of({failing("t", "out")});
    // The one URL in the page names SVG's XML namespace (createElementNS); it is never fetched.
    const std::string svg_namespace = "http://www.w3.org/2000/svg";
    for (size_t at = html.find(svg_namespace); at != std::string::npos; at = html.find(svg_namespace))
        html.erase(at, svg_namespace.size());
    CHECK(html.find("http:") == std::string::npos);
    CHECK(html.find("https:") == std::string::npos);
    CHECK(html.find("//cdn") == std::string::npos);
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK_FALSE(std::regex_search(html, std::regex("<(script|img|link|iframe)[^>]* (src|href)=")));
}

TEST_CASE("the log base and the record's name reach the page as JSON")
{
    const std::string html = html_of({}, "../test-results/");
    CHECK(script(html, "offload-meta") == "{\"log_base\":\"../test-results/\",\"record\":\"run.json\"}");
    CHECK(html.find("@OFFLOAD_") == std::string::npos);
}

TEST_CASE("a record of no tests and one of only skipped tests render")
{
    CHECK(parse_run_record(script(html_of({}), "offload-record"), "x"));
    TestReport skipped;
    skipped.id = "s";
    skipped.attempts = {Attempt{Outcome::Skipped, 0.1, "skip", "", "", 0}};
    Expected<RunRecord> record = parse_run_record(script(html_of({skipped, skipped}), "offload-record"), "x");
    REQUIRE(record);
    CHECK(record->header.counts.skipped == 2);
    CHECK(record->header.counts.passed == 0);
}

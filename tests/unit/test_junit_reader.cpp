#include "results/junit_reader.hpp"
#include "util/xml_text.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

using namespace std::string_literals;
using offload::JunitCase;
using offload::Outcome;

namespace {

// What parse_junit() and read_junit() returned, flattened for the checks.
enum class Status { Ok, NotFound, Malformed };
struct Result {
    Status status = Status::Ok;
    std::string error;
    size_t cases = 0;
};

struct Parsed {
    Result result;
    std::vector<JunitCase> cases;
};

Parsed parse(std::string text)
{
    Parsed parsed;
    const offload::Expected<size_t> cases =
        offload::parse_junit(std::move(text), [&](const JunitCase &c) { parsed.cases.push_back(c); });
    parsed.result = cases ? Result{Status::Ok, "", *cases} : Result{Status::Malformed, cases.error(), 0};
    return parsed;
}

Parsed read(const std::string &path)
{
    Parsed parsed;
    const offload::Expected<std::optional<size_t>> cases =
        offload::read_junit(path, [&](const JunitCase &c) { parsed.cases.push_back(c); });
    if (!cases)
        parsed.result = {Status::Malformed, cases.error(), 0};
    else if (!*cases)
        parsed.result = {Status::NotFound, "", 0};
    else
        parsed.result = {Status::Ok, "", **cases};
    return parsed;
}

// A directory of its own under the system's temporary directory, removed with its contents.
struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("offload-junit-reader-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string &name, const std::string &content) const
    {
        const std::string file = (path / name).string();
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }
};

} // namespace

TEST_CASE("pytest report: dotted classnames, file, failure text, skip and xfail")
{
    const Parsed parsed = parse(R"(<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="2" tests="4" time="0.05" timestamp="2024-01-01T00:00:00" hostname="ci">
<testcase classname="tests.unit.test_math" name="test_add" time="0.001" />
<testcase classname="tests.unit.test_math.TestDiv" name="test_by_zero[0-1]" file="tests/unit/test_math.py" line="12" time="0.250"><failure message="ZeroDivisionError: division by zero">def test_by_zero():
&gt;       1 / 0
E       ZeroDivisionError: division by zero

tests/unit/test_math.py:14: ZeroDivisionError</failure></testcase>
<testcase classname="tests.unit.test_math" name="test_skip" time="0.000"><skipped type="pytest.skip" message="no network">tests/unit/test_math.py:20: no network</skipped></testcase>
<testcase classname="tests.unit.test_math" name="test_xfail" time="0.000"><skipped type="pytest.xfail" message="known bug" /></testcase>
</testsuite></testsuites>
)");
    REQUIRE(parsed.result.status == Status::Ok);
    CHECK(parsed.result.error.empty());
    REQUIRE(parsed.result.cases == 4);
    REQUIRE(parsed.cases.size() == 4);

    const JunitCase &passed = parsed.cases[0];
    CHECK(passed.suite == "pytest");
    CHECK(passed.classname == "tests.unit.test_math");
    CHECK(passed.name == "test_add");
    CHECK(passed.file.empty());
    CHECK(passed.time_secs == doctest::Approx(0.001));
    CHECK(passed.outcome == Outcome::Passed);
    CHECK(passed.message.empty());
    CHECK(passed.details.empty());

    const JunitCase &failed = parsed.cases[1];
    CHECK(failed.classname == "tests.unit.test_math.TestDiv");
    CHECK(failed.name == "test_by_zero[0-1]");
    CHECK(failed.file == "tests/unit/test_math.py");
    CHECK(failed.time_secs == doctest::Approx(0.25));
    CHECK(failed.outcome == Outcome::Failed);
    CHECK(failed.message == "ZeroDivisionError: division by zero");
    CHECK(failed.details ==
          "def test_by_zero():\n>       1 / 0\nE       ZeroDivisionError: division by zero\n\n"
          "tests/unit/test_math.py:14: ZeroDivisionError");

    CHECK(parsed.cases[2].outcome == Outcome::Skipped);
    CHECK(parsed.cases[2].message == "no network");
    CHECK(parsed.cases[3].outcome == Outcome::Skipped);
    CHECK(parsed.cases[3].message == "known bug");
}

TEST_CASE("meson report: failure without a message, captured output in details, skipped")
{
    const Parsed parsed = parse(R"(<?xml version='1.0' encoding='utf-8'?>
<testsuites tests="3" errors="0" failures="1">
  <testsuite name="offload:unit" tests="3" errors="0" failures="1" skipped="1" time="30.3">
    <testcase name="basic" classname="offload" time="0.011"/>
    <testcase name="timeouts" classname="offload" time="30.0">
      <failure/>
      <system-out>

  starting
boom
</system-out>
      <system-err>stack smashed</system-err>
    </testcase>
    <testcase name="gpu" classname="offload" time="0.0">
      <skipped/>
    </testcase>
  </testsuite>
</testsuites>
)");
    REQUIRE(parsed.result.status == Status::Ok);
    REQUIRE(parsed.cases.size() == 3);
    CHECK(parsed.cases[0].suite == "offload:unit");
    CHECK(parsed.cases[0].outcome == Outcome::Passed);
    CHECK(parsed.cases[1].outcome == Outcome::Failed);
    CHECK(parsed.cases[1].message.empty());
    // Leading blank lines and the final newline go; the first line's indentation stays.
    CHECK(parsed.cases[1].details == "  starting\nboom\n\nstack smashed");
    CHECK(parsed.cases[1].time_secs == doctest::Approx(30.0));
    CHECK(parsed.cases[2].outcome == Outcome::Skipped);
}

TEST_CASE("Surefire report: flakyFailure leaves the test passed, rerunFailure does not count, CDATA bodies")
{
    const Parsed parsed = parse(R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="com.example.FlakyTest" time="1.2" tests="2" errors="0" skipped="0" failures="1" flakes="1">
  <properties>
    <property name="java.version" value="17"/>
  </properties>
  <testcase name="sometimesFails" classname="com.example.FlakyTest" time="0.5">
    <flakyFailure message="expected: &lt;1&gt; but was: &lt;2&gt;" type="org.opentest4j.AssertionFailedError">
      <stackTrace><![CDATA[org.opentest4j.AssertionFailedError: expected: <1> but was: <2>]]></stackTrace>
      <system-out><![CDATA[attempt 1]]></system-out>
    </flakyFailure>
  </testcase>
  <testcase name="alwaysFails" classname="com.example.FlakyTest" time="0.1">
    <failure message="boom" type="java.lang.IllegalStateException">
      <![CDATA[java.lang.IllegalStateException: boom
	at com.example.FlakyTest.alwaysFails(FlakyTest.java:20)]]>
    </failure>
    <rerunFailure message="boom again" type="java.lang.IllegalStateException">
      <stackTrace><![CDATA[trace of the rerun]]></stackTrace>
    </rerunFailure>
    <system-out><![CDATA[log <line> & more]]></system-out>
  </testcase>
</testsuite>
)");
    REQUIRE(parsed.result.status == Status::Ok);
    REQUIRE(parsed.cases.size() == 2);

    const JunitCase &flaky = parsed.cases[0];
    CHECK(flaky.suite == "com.example.FlakyTest");
    CHECK(flaky.outcome == Outcome::Passed);
    CHECK(flaky.message.empty());
    // The earlier failed run is counted and kept in the details, for `offload logs --flaky`.
    CHECK(flaky.earlier_failures == 1);
    CHECK(flaky.details.rfind("earlier attempt: expected: <1> but was: <2>", 0) == 0);
    CHECK(flaky.details.find("attempt 1") != std::string::npos);

    const JunitCase &failed = parsed.cases[1];
    CHECK(failed.outcome == Outcome::Failed);
    CHECK(failed.message == "boom");
    CHECK(failed.earlier_failures == 1);
    CHECK(failed.details.rfind(
              "java.lang.IllegalStateException: boom\n"
              "\tat com.example.FlakyTest.alwaysFails(FlakyTest.java:20)\n\nlog <line> & more\n\n"
              "earlier attempt: boom again",
              0) == 0);
    CHECK(failed.details.find("trace of the rerun") != std::string::npos);
}

TEST_CASE("go-junit-report: <error> is an Error, <failure> a Failure; cargo2junit failure with a type")
{
    const Parsed go = parse(R"(<testsuites tests="3" failures="1" errors="1">
	<testsuite name="example.com/pkg" tests="3" failures="1" errors="1" id="0" time="0.010">
		<properties><property name="go.version" value="go1.21"></property></properties>
		<testcase name="TestFail" classname="example.com/pkg" time="0.000"><failure message="Failed"><![CDATA[    pkg_test.go:8: oops]]></failure></testcase>
		<testcase name="TestPanic" classname="example.com/pkg" time="0.000"><error message="Runtime error"><![CDATA[panic: boom]]></error></testcase>
		<testcase name="TestOk" classname="example.com/pkg" time="0.000"></testcase>
	</testsuite>
</testsuites>)");
    REQUIRE(go.result.status == Status::Ok);
    REQUIRE(go.cases.size() == 3);
    CHECK(go.cases[0].outcome == Outcome::Failed);
    CHECK(go.cases[0].message == "Failed");
    CHECK(go.cases[0].details == "    pkg_test.go:8: oops");
    CHECK(go.cases[1].outcome == Outcome::Error);
    CHECK(go.cases[1].message == "Runtime error");
    CHECK(go.cases[1].details == "panic: boom");
    CHECK(go.cases[2].outcome == Outcome::Passed);

    const Parsed cargo = parse(
        R"(<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite id="0" name="rust_tests" package="testsuite/rust_tests" tests="2" errors="0" failures="1" hostname="localhost" timestamp="2024-01-01T00:00:00Z" time="0"><testcase name="tests::passes" classname="rust_tests" time="0"/><testcase name="tests::fails" classname="rust_tests" time="0"><failure type="cargo test" message="failed tests::fails">thread 'tests::fails' panicked at src/lib.rs:10:9</failure></testcase></testsuite></testsuites>)");
    REQUIRE(cargo.result.status == Status::Ok);
    REQUIRE(cargo.cases.size() == 2);
    CHECK(cargo.cases[0].outcome == Outcome::Passed);
    CHECK(cargo.cases[1].outcome == Outcome::Failed);
    CHECK(cargo.cases[1].message == "failed tests::fails");
    CHECK(cargo.cases[1].details == "thread 'tests::fails' panicked at src/lib.rs:10:9");
}

TEST_CASE("nested testsuites: each case gets the innermost suite's name, in document order")
{
    const Parsed parsed = parse(R"(<testsuites name="all">
<testsuite name="outer"><testcase name="a"/>
  <testsuite name="inner"><testcase name="b"/></testsuite>
  <testcase name="c"/>
</testsuite>
<testcase name="d"/>
</testsuites>)");
    REQUIRE(parsed.result.status == Status::Ok);
    REQUIRE(parsed.cases.size() == 4);
    CHECK(parsed.cases[0].name == "a");
    CHECK(parsed.cases[0].suite == "outer");
    CHECK(parsed.cases[1].name == "b");
    CHECK(parsed.cases[1].suite == "inner");
    CHECK(parsed.cases[2].name == "c");
    CHECK(parsed.cases[2].suite == "outer");
    CHECK(parsed.cases[3].name == "d");
    CHECK(parsed.cases[3].suite == "");
}

TEST_CASE("attribute values: references are resolved, forbidden characters sanitized, bad times negative")
{
    const Parsed parsed =
        parse("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- written by hand -->\n"
              "<testsuite name=\"s\">"
              "<testcase name=\"line&#10;two &#x1F600; &#27;[0m &amp;&lt;&gt;&quot;&apos; &nbsp;\" "
              "time=\"abc\"><failure message=\"a&#13;&#10;b\"/></testcase>"
              "<testcase name=\"no time\"/>"
              "</testsuite>");
    REQUIRE(parsed.result.status == Status::Ok);
    REQUIRE(parsed.cases.size() == 2);
    CHECK(parsed.cases[0].name == "line\ntwo \xF0\x9F\x98\x80 \\x1B[0m &<>\"' &nbsp;");
    CHECK(parsed.cases[0].time_secs < 0);
    CHECK(parsed.cases[0].message == "a\r\nb");
    CHECK(parsed.cases[1].time_secs < 0);
}

TEST_CASE("binary garbage inside CDATA is handed out sanitized, NUL bytes included")
{
    const Parsed parsed =
        parse("<testsuite name=\"s\"><testcase name=\"t\"><error message=\"crash\">"
              "<![CDATA[ok \x00\x01\xFF\xC3 \x1B[0m done]]></error></testcase></testsuite>"s);
    REQUIRE(parsed.result.status == Status::Ok);
    REQUIRE(parsed.cases.size() == 1);
    CHECK(parsed.cases[0].outcome == Outcome::Error);
    CHECK(parsed.cases[0].details == "ok \\x00\\x01\\xFF\\xC3 \\x1B[0m done");
}

TEST_CASE("huge details keep the first 16 KiB and the last 48 KiB with a marker, cut between characters")
{
    // "é" is two bytes and the head starts one byte off, so a cut by byte count alone would split one.
    std::string body = "H";
    while (body.size() < 100'000)
        body += "\xC3\xA9";
    body += "TAIL";
    const Parsed parsed =
        parse("<testsuite><testcase name=\"t\"><system-out>" + body + "</system-out></testcase></testsuite>");
    REQUIRE(parsed.result.status == Status::Ok);
    REQUIRE(parsed.cases.size() == 1);
    const std::string &details = parsed.cases[0].details;

    const size_t marker_at = details.find("\n[... ");
    REQUIRE(marker_at != std::string::npos);
    const size_t marker_end = details.find(" bytes omitted ...]\n", marker_at);
    REQUIRE(marker_end != std::string::npos);
    const size_t omitted = std::stoul(details.substr(marker_at + 6, marker_end - marker_at - 6));
    const size_t kept = details.size() - (marker_end + 20 - marker_at);

    CHECK(kept <= offload::details_max_bytes);
    CHECK(kept + omitted == body.size());
    CHECK(marker_at <= offload::details_head_bytes);
    CHECK(marker_at >= offload::details_head_bytes - 1);
    CHECK(details.starts_with("H\xC3\xA9"));
    CHECK(details.ends_with("\xC3\xA9TAIL"));
    CHECK(offload::sanitize_text(details) == details);
}

TEST_CASE("a truncated file is Malformed with the line of the problem, and no case is reported")
{
    const Parsed truncated = parse("<testsuites>\n<testsuite name=\"s\">\n<testcase name=\"a\"/>\n"
                                   "<testcase name=\"b\">\n<failure>Assert");
    CHECK(truncated.result.status == Status::Malformed);
    CHECK(truncated.result.error == "not well-formed XML at line 5: unexpected end of data");
    CHECK(truncated.result.cases == 0);
    CHECK(truncated.cases.empty());

    const Parsed mismatched = parse("<testsuites>\n<testcase name=\"a\">\n</testsuite>\n</testsuites>\n");
    CHECK(mismatched.result.status == Status::Malformed);
    CHECK(mismatched.result.error.starts_with("not well-formed XML at line 3: "));
    CHECK(mismatched.cases.empty());

    // Entity references before the error must not shift the line count.
    const Parsed after_entities = parse(
        "<testsuite>\n<testcase name=\"&lt;&amp;&#10;\">\n<failure>&lt;a&gt;\n&amp;\n</failure>\n<oops =>\n"
        "</testcase>\n</testsuite>\n");
    CHECK(after_entities.result.error == "not well-formed XML at line 6: expected >");
}

TEST_CASE("documents that are not JUnit XML are Malformed with a reason")
{
    SUBCASE("plain text")
    {
        const Parsed parsed = parse("PASS: 3 tests\n");
        CHECK(parsed.result.status == Status::Malformed);
        CHECK(parsed.result.error == "not well-formed XML at line 1: expected <");
    }
    SUBCASE("another root element")
    {
        const Parsed parsed =
            parse("<?xml version=\"1.0\"?>\n<html><body><testcase name=\"x\"/></body></html>");
        CHECK(parsed.result.status == Status::Malformed);
        CHECK(parsed.result.error == "root element is <html>, expected <testsuites> or <testsuite>");
        CHECK(parsed.cases.empty());
    }
    SUBCASE("two root elements")
    {
        const Parsed parsed = parse("<testsuite><testcase name=\"a\"/></testsuite>\n<testsuite/>\n");
        CHECK(parsed.result.status == Status::Malformed);
        CHECK(parsed.result.error == "not well-formed XML at line 2: more than one root element");
        CHECK(parsed.cases.empty());
    }
    SUBCASE("empty")
    {
        const Parsed parsed = parse("");
        CHECK(parsed.result.status == Status::Malformed);
        CHECK(parsed.result.error == "empty file");
    }
    SUBCASE("only a declaration")
    {
        const Parsed parsed = parse("<?xml version=\"1.0\"?>\n");
        CHECK(parsed.result.status == Status::Malformed);
        CHECK(parsed.result.error == "no root element");
    }
    SUBCASE("UTF-16")
    {
        const Parsed parsed = parse("\xFF\xFE<\0t\0"s);
        CHECK(parsed.result.status == Status::Malformed);
        CHECK(parsed.result.error.find("UTF-16") != std::string::npos);
    }
}

TEST_CASE("a document nested deeper than 256 levels is refused before parsing, with the line")
{
    // RapidXML recurses once per level: 100,000 levels used to overflow the stack.
    std::string deep = "<testsuites>\n";
    for (int i = 0; i < 100000; ++i)
        deep += "<testsuite>\n";
    for (int i = 0; i < 100000; ++i)
        deep += "</testsuite>";
    deep += "</testsuites>\n";
    const Parsed parsed = parse(deep);
    CHECK(parsed.result.status == Status::Malformed);
    CHECK(parsed.result.error == "elements nest deeper than 256 levels at line 257: a JUnit report needs a "
                                 "handful, and offload reads no deeper document");

    // Exactly 256 levels are read: the testcase is the 256th.
    std::string limit;
    for (int i = 0; i < 255; ++i)
        limit += "<testsuite name=\"s" + std::to_string(i) + "\">";
    limit += "<testcase name=\"deepest\"/>";
    for (int i = 0; i < 255; ++i)
        limit += "</testsuite>";
    const Parsed at_limit = parse(limit);
    CHECK(at_limit.result.status == Status::Ok);
    REQUIRE(at_limit.cases.size() == 1);
    CHECK(at_limit.cases[0].suite == "s254");
    // One more level is one too many, even as an empty element.
    const Parsed over = parse(limit.insert(limit.find("<testcase"), "<testsuite><x/></testsuite>"));
    CHECK(over.result.error.starts_with("elements nest deeper than 256 levels at line 1"));
}

TEST_CASE("the depth is counted as RapidXML parses: not in comments, CDATA, declarations or attributes")
{
    std::string markup;
    for (int i = 0; i < 300; ++i)
        markup += "<a>";
    const std::string text = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [ <!ENTITY e \"" + markup +
                             "\"> ]>\n<testsuite name=\"" + markup + "\">\n<!-- " + markup +
                             " -->\n<testcase name=\"t\"><system-out><![CDATA[" + markup +
                             "]]></system-out></testcase>\n<?pi " + markup + " ?></testsuite>\n";
    const Parsed parsed = parse(text);
    CHECK(parsed.result.error == "");
    REQUIRE(parsed.cases.size() == 1);
    CHECK(parsed.cases[0].details == markup);
}

TEST_CASE("read_junit: reads a file, tells a missing file from an unreadable one")
{
    const TempDir dir;

    const Parsed ok =
        read(dir.write("junit.xml", "<testsuite name=\"s\"><testcase name=\"t\"/></testsuite>"));
    CHECK(ok.result.status == Status::Ok);
    CHECK(ok.result.cases == 1);
    REQUIRE(ok.cases.size() == 1);
    CHECK(ok.cases[0].name == "t");

    const std::string missing = (dir.path / "missing.xml").string();
    const Parsed not_found = read(missing);
    CHECK(not_found.result.status == Status::NotFound);
    CHECK(not_found.cases.empty());

    const std::string empty = dir.write("empty.xml", "");
    const Parsed empty_file = read(empty);
    CHECK(empty_file.result.status == Status::Malformed);
    CHECK(empty_file.result.error == empty + ": empty file");

    const std::string truncated = dir.write("truncated.xml", "<testsuite>\n<testcase name=\"t\">");
    const Parsed bad = read(truncated);
    CHECK(bad.result.status == Status::Malformed);
    CHECK(bad.result.error == truncated + ": not well-formed XML at line 2: unexpected end of data");
    CHECK(bad.cases.empty());

    const Parsed directory = read(dir.path.string());
    CHECK(directory.result.status == Status::Malformed);
    CHECK(directory.result.error.find("directory") != std::string::npos);
}

TEST_CASE("read_junit refuses a file over 1 GiB without reading it")
{
    const TempDir dir;
    const std::string huge = dir.write("huge.xml", "<testsuite>");
    std::filesystem::resize_file(huge, (std::uintmax_t{1} << 30) + 1); // sparse: costs no disk space
    const Parsed parsed = read(huge);
    CHECK(parsed.result.status == Status::Malformed);
    CHECK(parsed.result.error.starts_with(huge + ": "));
    CHECK(parsed.result.error.find("1 GiB") != std::string::npos);
    CHECK(parsed.cases.empty());
}

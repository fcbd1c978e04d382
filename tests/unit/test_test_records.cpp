#include "protocol/test_records.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using namespace offload;

namespace {

const std::string mark = "@offload-event:0123456789abcdef0123456789abcdef";

struct Collected {
    std::string out[2];
    std::vector<TestRecord> records;
};

// Feeds `chunks` to a reader and returns what came out.
Collected read_all(const std::vector<std::pair<int, std::string>> &chunks)
{
    Collected collected;
    RecordReader reader(
        mark, [&](int stream, std::string_view data) { collected.out[stream - 1].append(data); },
        [&](int, const TestRecord &record) { collected.records.push_back(record); });
    for (const auto &[stream, data] : chunks)
        reader.feed(stream, data);
    reader.finish();
    return collected;
}

} // namespace

TEST_CASE("percent-encoding round-trips any bytes, and leaves printable UTF-8 readable")
{
    const std::string bytes = std::string("a b%c\td\r\ne\x01\x7f") + "ü[1] x::y";
    const std::string encoded = percent_encode(bytes);
    CHECK(encoded.find(' ') == std::string::npos);
    CHECK(encoded.find('\n') == std::string::npos);
    CHECK(encoded == "a%20b%25c%09d%0D%0Ae%01%7Fü[1]%20x::y");
    CHECK(percent_decode(encoded) == bytes);
    // A lone % stands for itself; hex of either case decodes.
    CHECK(percent_decode("100% sure %zz %4") == "100% sure %zz %4");
    CHECK(percent_decode("%41%6a") == "Aj");

    std::mt19937 random(7);
    for (int round = 0; round < 200; ++round) {
        std::string any(size_t(random() % 40), '\0');
        for (char &c : any)
            c = char(random() % 256);
        CHECK(percent_decode(percent_encode(any)) == any);
    }
}

TEST_CASE("records are parsed with their keys; problems are named")
{
    TestRecord end = parse_record(" end id=a%20b outcome=failed secs=0.25 message=boom%21 extra=ignored");
    CHECK(end.verb == TestRecord::Verb::End);
    CHECK(end.problem.empty());
    CHECK(end.id == "a b");
    CHECK(end.outcome == "failed");
    REQUIRE(end.secs);
    CHECK(*end.secs == doctest::Approx(0.25));
    CHECK(end.message == "boom!");

    CHECK(parse_record(" start id=x").verb == TestRecord::Verb::Start);
    CHECK(parse_record(" done count=3").count == 3);
    CHECK(parse_record(" hello version=1").version == 1);
    CHECK(parse_record(" list data=a%0Ab%20c").verb == TestRecord::Verb::List);
    CHECK(parse_record(" list data=a%0Ab%20c").data == "a\nb c");
    CHECK(parse_record(" listed exit=2").verb == TestRecord::Verb::Listed);
    CHECK(parse_record(" listed exit=2").exit == 2);
    CHECK(parse_record(" listed").problem == "`listed` without an exit code");
    CHECK(parse_record(" listed exit=x").problem == "exit=x is not a whole number");
    CHECK(parse_record(" later-verb id=x").verb == TestRecord::Verb::Unknown);
    CHECK(parse_record(" later-verb id=x").problem.empty());

    CHECK(parse_record(" start").problem == "`start` without an id");
    CHECK(parse_record(" end id=x").problem == "`end` without an outcome");
    CHECK(parse_record(" end id=x outcome=great").problem.find("outcome=great") != std::string::npos);
    CHECK(parse_record(" end id=x outcome=passed secs=-1").problem.find("secs") != std::string::npos);
    CHECK(parse_record(" end id=x outcome=passed secs=nan").problem.find("secs") != std::string::npos);
    CHECK(parse_record("").problem == "a record without a verb");
}

TEST_CASE("records are taken out of the output, wherever they start and however the output is cut")
{
    const std::string stream = "hello\npartial line" + mark + " start id=t1\nout of t1\n" + mark +
                               " end id=t1 outcome=passed\r\ntail";
    // Every way of cutting the stream in two, and byte by byte.
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
        CAPTURE(cut);
        Collected c = read_all({{1, stream.substr(0, cut)}, {1, stream.substr(cut)}});
        CHECK(c.out[0] == "hello\npartial lineout of t1\ntail");
        REQUIRE(c.records.size() == 2);
        CHECK(c.records[0].verb == TestRecord::Verb::Start);
        CHECK(c.records[1].outcome == "passed");
    }
    std::vector<std::pair<int, std::string>> bytes;
    for (char c : stream)
        bytes.push_back({1, std::string(1, c)});
    Collected c = read_all(bytes);
    CHECK(c.out[0] == "hello\npartial lineout of t1\ntail");
    CHECK(c.records.size() == 2);
}

TEST_CASE("a record needs the exact mark: another mark, a cut mark or text like it is just output")
{
    const std::string other = "@offload-event:ffffffffffffffffffffffffffffffff start id=t1\n";
    const std::string cut = mark.substr(0, 20) + " end id=t1 outcome=passed\n";
    Collected c = read_all({{1, other + cut + "@offload-event @offload-event:\n"}});
    CHECK(c.records.empty());
    CHECK(c.out[0] == other + cut + "@offload-event @offload-event:\n");
}

TEST_CASE("streams are read apart, and output is passed on without waiting for a line end")
{
    std::vector<std::string> seen;
    RecordReader reader(
        mark,
        [&](int stream, std::string_view data) {
            seen.push_back(std::to_string(stream) + ":" + std::string(data));
        },
        [&](int stream, const TestRecord &record) {
            seen.push_back(std::to_string(stream) + "!" + record.id);
        });
    reader.feed(1, "progress ");
    CHECK(seen == std::vector<std::string>{"1:progress "});
    reader.feed(2, mark.substr(0, 10));
    reader.feed(1, "more");
    reader.feed(2, mark.substr(10) + " start id=b\n");
    CHECK(seen == std::vector<std::string>{"1:progress ", "1:more", "2!b"});
}

TEST_CASE("an over-long or unfinished record is dropped with a problem, and the output goes on")
{
    Collected c = read_all(
        {{1, mark + " output id=x data=" + std::string(70000, 'a') + "\nafter\n" + mark + " start id=y"}});
    REQUIRE(c.records.size() == 2);
    CHECK(c.records[0].problem == "a record over 64 KiB was dropped");
    CHECK(c.records[1].problem == "the command ended in the middle of a record");
    CHECK(c.out[0] == "after\n");
}

TEST_CASE("a worker's fixed input is a here-document whose end line cannot occur in it")
{
    const std::string command =
        command_with_fixed_input("python3 -c 'x'", {"a b", "c\nOFFLOAD_INPUT_s"}, "s");
    CHECK(command == "{\npython3 -c 'x'\n} <<'OFFLOAD_INPUT_s'\nrun id=a%20b\nrun "
                     "id=c%0AOFFLOAD_INPUT_s\nOFFLOAD_INPUT_s\n");
    CHECK(worker_input_line("x y") == "run id=x%20y\n");
    const std::string one = new_event_mark(), two = new_event_mark();
    CHECK(one.size() == 15 + 32);
    CHECK(one.rfind("@offload-event:", 0) == 0);
    CHECK(one != two);
}

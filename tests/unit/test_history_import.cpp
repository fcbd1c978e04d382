// Timings read from the Rust offload's offload-history.jsonl and from offload's own format, and the
// check that keeps offload from writing over a history that is not its own.
#include "history/history_import.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace offload;

namespace {

std::map<std::string, double> timings(const std::string &text, const std::string &config = "offload.toml")
{
    auto parsed = parse_imported_timings(text, config);
    REQUIRE_MESSAGE(parsed, (parsed ? "" : parsed.error()));
    return {parsed->begin(), parsed->end()};
}

const char *rust_line =
    R"({"k":["offload.toml","tests/test_a.py::test_x[1 2]"],"v":{"n":3,"f":1,"last_run":"r3",)"
    R"("ok":[["r1",1712000000000,1.0],["r3",1712000300000,3.0]],"fail":[["r2",1712000100000,9.0]]}})";

} // namespace

TEST_CASE("a record of the Rust offload gives the mean of its passing samples, under its pytest node id")
{
    const auto read = timings(std::string(rust_line) + "\n");
    REQUIRE(read.count("tests/test_a.py::test_x[1 2]"));
    CHECK(read.at("tests/test_a.py::test_x[1 2]") == doctest::Approx(2.0));
    CHECK(read.size() == 1); // a pytest id with a space is no nextest id
}

TEST_CASE("a test that never passed is timed by its failing samples; one without samples is left out")
{
    const auto read =
        timings(R"({"k":["c.toml","t1"],"v":{"n":1,"f":1,"last_run":"r","ok":[],"fail":[["r",1,4.0]]}})"
                "\n"
                R"({"k":["c.toml","t2"],"v":{"n":0,"f":0,"last_run":"","ok":[],"fail":[]}})");
    CHECK(read.at("t1") == doctest::Approx(4.0));
    CHECK_FALSE(read.count("t2"));
}

TEST_CASE("nextest's BINARY_ID NAME ids become the cargo framework's TARGET::NAME")
{
    CHECK(offload_ids_of("app tests::adds") ==
          std::vector<std::string>{"app tests::adds", "lib::tests::adds", "app/lib::tests::adds"});
    CHECK(offload_ids_of("my-app::bin/cli tests::x")[1] == "bin(cli)::tests::x");
    CHECK(offload_ids_of("app::api creates_user")[1] == "test(api)::creates_user");
    CHECK(offload_ids_of("app::example/demo t")[1] == "example(demo)::t");
    CHECK(offload_ids_of("app::bench/speed t")[2] == "app/bench(speed)::t");
    CHECK(offload_ids_of("tests/a.py::t[x y]").size() == 1);
    CHECK(offload_ids_of("plain").size() == 1);
}

TEST_CASE("when several configuration files know a test, this one's record wins, else the newest")
{
    const std::string text =
        R"({"k":["other.toml","t"],"v":{"n":1,"f":0,"last_run":"a","ok":[["a",900,7.0]],"fail":[]}})"
        "\n"
        R"({"k":["offload.toml","t"],"v":{"n":1,"f":0,"last_run":"b","ok":[["b",100,2.0]],"fail":[]}})"
        "\n"
        R"({"k":["x.toml","u"],"v":{"n":1,"f":0,"last_run":"a","ok":[["a",100,1.0]],"fail":[]}})"
        "\n"
        R"({"k":["y.toml","u"],"v":{"n":1,"f":0,"last_run":"a","ok":[["a",500,5.0]],"fail":[]}})";
    const auto read = timings(text);
    CHECK(read.at("t") == doctest::Approx(2.0));
    CHECK(read.at("u") == doctest::Approx(5.0));
}

TEST_CASE("offload's own format is read too")
{
    const auto read =
        timings("offload-history 2\nrun\t3\nt\t1.500000\t2\t3\tx::y\nf\t1\t0\t0\t-\t-\t3\tp\tz\n");
    CHECK(read.at("x::y") == doctest::Approx(1.5));
    CHECK_FALSE(read.count("z")); // outcomes only: no timing
}

TEST_CASE("a line of neither format is an error that says which")
{
    auto parsed = parse_imported_timings(std::string(rust_line) + "\n{\"k\": 3}\n", "offload.toml");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().find("line 2") != std::string::npos);
}

TEST_CASE("imported timings serve the tests the history has not measured, and are never saved")
{
    History history = *History::parse("offload-history 2\nrun\t1\nt\t9.000000\t1\t1\tmeasured\n");
    const fs::path file =
        fs::temp_directory_path() / ("offload-import-" + std::to_string(getpid()) + ".jsonl");
    std::ofstream(file)
        << R"({"k":["offload.toml","measured"],"v":{"n":1,"f":0,"last_run":"a","ok":[["a",1,1.0]],"fail":[]}})"
           "\n"
        << R"({"k":["offload.toml","new"],"v":{"n":1,"f":0,"last_run":"a","ok":[["a",1,3.0]],"fail":[]}})"
           "\n";
    auto added = import_timings(file, "offload.toml", history);
    fs::remove(file);
    REQUIRE(added);
    CHECK(*added == 1);
    CHECK(history.find("measured")->mean_secs == doctest::Approx(9.0));
    REQUIRE(history.find("new"));
    CHECK(history.find("new")->mean_secs == doctest::Approx(3.0));
    CHECK(history.serialize().find("new") == std::string::npos);
}

TEST_CASE("a history path holding the Rust offload's file, or anything not offload's, is refused")
{
    const fs::path dir = fs::temp_directory_path() / ("offload-own-" + std::to_string(getpid()));
    fs::create_directories(dir);
    CHECK(check_own_history(dir / "missing"));
    std::ofstream(dir / "empty").close();
    CHECK(check_own_history(dir / "empty"));
    std::ofstream(dir / "ours") << "offload-history 2\nrun\t1\n";
    CHECK(check_own_history(dir / "ours"));
    std::ofstream(dir / "theirs.jsonl") << rust_line << "\n";
    auto theirs = check_own_history(dir / "theirs.jsonl");
    REQUIRE_FALSE(theirs);
    CHECK(theirs.error().find("[history] import") != std::string::npos);
    std::ofstream(dir / "notes.txt") << "my notes\n";
    auto other = check_own_history(dir / "notes.txt");
    REQUIRE_FALSE(other);
    CHECK(other.error().find("Move the file away") != std::string::npos);
    fs::remove_all(dir);
}

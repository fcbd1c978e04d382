#include "report/source_location.hpp"

#include <doctest/doctest.h>

#include <set>

using offload::FailureText;
using offload::find_source_location;
using offload::SourceLocation;

namespace {

// The project /work/proj with these files (relative paths).
const std::set<std::string> project_files = {"tests/test_x.py", "tests/helpers.py", "src/lib.rs",
                                             "tests/api.rs", "tests/unit/test_math.cpp"};

bool exists(const std::string &path)
{
    return project_files.count(path) > 0;
}

std::string where(std::string_view id, std::string_view message, std::string_view output,
                  std::string_view file = "")
{
    const std::optional<SourceLocation> found =
        find_source_location(FailureText{id, file, message, output}, "/work/proj", exists);
    if (!found)
        return "none";
    return found->line ? found->file + ":" + std::to_string(found->line) : found->file;
}

// pytest 7.2 (Debian 12), as the worker reports a failure: str(report.longrepr) of --tb=auto.
const char *pytest_long_via_helper = R"(    def test_via_helper():
>       check(3)

tests/test_x.py:11: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

x = 3

    def check(x):
>       assert x == 2, "value was %r" % x
E       AssertionError: value was 3

tests/helpers.py:2: AssertionError)";

const char *pytest_long_direct = R"(    def test_direct():
        a = 1
>       assert a == 2
E       assert 1 == 2

tests/test_x.py:7: AssertionError)";

const char *pytest_short = R"(tests/test_x.py:11: in test_via_helper
    check(3)
tests/helpers.py:2: in check
    assert x == 2, "value was %r" % x
E   AssertionError: value was 3)";

const char *pytest_line = "/work/proj/tests/helpers.py:2: AssertionError: value was 3";

const char *pytest_native = R"(Traceback (most recent call last):
  File "/work/proj/tests/test_x.py", line 11, in test_via_helper
    check(3)
  File "/work/proj/tests/helpers.py", line 2, in check
    assert x == 2, "value was %r" % x
           ^^^^^^
AssertionError: value was 3)";

// cargo 1.95 / libtest, RUST_BACKTRACE=1.
const char *rust_panic = R"(thread 'tests::adds' (29596) panicked at src/lib.rs:8:9:
assertion `left == right` failed
  left: 3
 right: 4
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panicking.rs:689:5
   4: ghc::tests::adds
             at ./src/lib.rs:8:9)";

// Rust before 1.73: the location follows the quoted message, which may span lines.
const char *rust_old_panic = "thread 'tests::adds' panicked at 'assertion failed: `(left == right)`\n"
                             "  left: `3`,\n right: `4`', src/lib.rs:8:9\n"
                             "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";

} // namespace

TEST_CASE("pytest: the deepest frame in the test's own file, in every --tb style")
{
    const char *id = "tests/test_x.py::test_via_helper";
    CHECK(where(id, "AssertionError: value was 3", pytest_long_via_helper) == "tests/test_x.py:11");
    CHECK(where(id, "AssertionError: value was 3", pytest_short) == "tests/test_x.py:11");
    CHECK(where(id, "AssertionError: value was 3", pytest_native) == "tests/test_x.py:11");
    CHECK(where("tests/test_x.py::test_direct", "assert 1 == 2", pytest_long_direct) == "tests/test_x.py:7");
    // Discovery's file counts as the test's own, too.
    CHECK(where("test_via_helper", "", pytest_short, "tests/test_x.py") == "tests/test_x.py:11");
}

TEST_CASE("pytest: without a frame in its own file, the deepest frame; without any, the id's file alone")
{
    CHECK(where("tests/test_y.py::test_a", "", pytest_short) == "tests/helpers.py:2");
    CHECK(where("tests/test_x.py::test_a", "", pytest_line) == "tests/helpers.py:2");
    CHECK(where("tests/test_x.py::test_a[1-2]", "setup failed", "") == "tests/test_x.py");
    CHECK(where("tests/gone.py::test_a", "setup failed", "") == "none");
}

TEST_CASE("cargo: the panic's location, in the current and the older format")
{
    CHECK(where("lib::tests::adds", "assertion `left == right` failed", rust_panic) == "src/lib.rs:8");
    CHECK(where("lib::tests::adds", "", rust_old_panic) == "src/lib.rs:8");
    CHECK(where("test(api)::integration_fails", "",
                "thread 'integration_fails' (29650) panicked at tests/api.rs:3:5:\nsum was 2\n") ==
          "tests/api.rs:3");
    // A panic inside the standard library points nowhere in the project.
    CHECK(where("lib::t", "",
                "thread 't' panicked at /rustc/5980/library/core/src/result.rs:1867:5:\nbad\n") == "none");
}

TEST_CASE("generic path:line: lines of the project, the first one")
{
    const char *doctest = "tests/unit/test_math.cpp:45: ERROR: CHECK( add(1, 1) == 3 ) is NOT correct!\n"
                          "tests/unit/test_math.cpp:52: ERROR: CHECK( add(2, 2) == 5 ) is NOT correct!\n";
    CHECK(where("math adds", "", doctest) == "tests/unit/test_math.cpp:45");
    CHECK(where("math adds", "", "/work/proj/src/lib.rs:12:3: error: nope") == "src/lib.rs:12");
    CHECK(where("math adds", "src/lib.rs:4: in message", "") == "src/lib.rs:4");
}

TEST_CASE("no location from paths outside the project, unknown files, URLs or words")
{
    CHECK(where("t", "", "/usr/lib/python3/dist-packages/_pytest/python.py:195: in pytest_pyfunc_call") ==
          "none");
    CHECK(where("t", "", "../proj/src/lib.rs:3: error") == "none");
    CHECK(where("t", "", "/work/proj/../other/src/lib.rs:3: error") == "none");
    CHECK(where("t", "", "src/missing.rs:3: error") == "none");
    CHECK(where("t", "", "http://localhost:8080: refused\nError:12: x\n  src/lib.rs:3: indented") == "none");
    CHECK(where("t", "", "src/lib.rs:0: zero\nsrc/lib.rs:99999999999: huge\nsrc/lib.rs:x: nan") == "none");
    CHECK(where("t", "timeout: still running after 30 s, killed", "") == "none");
    CHECK(where("", "", "") == "none");
}

// Reads what the cargo framework's discovery command printed: the merged stdout and stderr of
//   cargo test --message-format=json-render-diagnostics ... -- --list --format terse
//
// In that one stream, in this order (stderr merged into stdout by the shell, so cargo's headers
// and the test binaries' listings cannot overtake each other):
//   {"reason":"compiler-artifact",...}   one JSON line per compiled unit: which file is the test
//                                         executable of which target of which package
//   Running unittests src/lib.rs (target/debug/deps/demo-1f2e)   a test binary's header
//   tests::adds: test                    its tests, one a line
//   Doc-tests demo                       the doc tests of the library crate `demo`
//   src/lib.rs - add (line 5): test
// Compiler diagnostics, warnings and cargo's progress lines go by in between and are skipped.
#pragma once

#include "test_ids.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace offload::cargo {

struct ListedTest {
    Target target;    // with its package only when the tests come from several packages
    std::string name; // libtest's name
    std::string file; // the source file, relative to the package; empty when unknown
};

struct Listing {
    std::vector<ListedTest> tests; // in listing order
    // Test binaries the listing ran but no JSON message explained; their tests are missing.
    std::vector<std::string> unplaced;
};

Listing read_listing(std::string_view output);

// The package name in a cargo package id, old ("demo 0.1.0 (path+file:///x/demo)") or new
// ("path+file:///x/demo#0.1.0", "registry+https://...#serde@1.0.1") style.
std::string package_name(std::string_view package_id);

} // namespace offload::cargo

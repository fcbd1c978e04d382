// pytest's collection, as the pytest framework runs and reads it.
//
// Discovery runs `python -c COLLECT_PROGRAM --collect-only -q ARGS`: pytest itself, with one tiny
// in-line plugin that prints pytest's rootdir, its config file, pytest-xdist's -n and the node ids
// (item.nodeid, as pytest -q lists them) between marker lines. The rootdir is needed because pytest
// prints node ids relative to it, while it reads the paths on its command line relative to the
// working directory: when the two differ (a pytest.ini above the project directory, `paths`
// outside it), a batch must turn an id's file into a path from the working directory. Everything
// else in the output is pytest's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The Python program for `python -c` that runs pytest with its command-line arguments.
extern const std::string_view collect_program;

// The Python program for `python -c` that runs the tests of a batch:
//   python -c SELECT_PROGRAM [pytest options...] --rootdir=R ... -- NODE_ID...
// It hands pytest the files of the node ids (R/file: pytest reads paths relative to the working
// directory) and keeps exactly the collected items with those node ids. Node ids as pytest's own
// arguments would be slower (pytest 7 matches every id against every item of its module: 5000 ids
// of one 20000-test module take 53 s instead of 7 s), and a single id pytest cannot find there (its
// module fails to import in the sandbox, the test vanished since discovery) would stop the whole
// batch with "ERROR: not found"; this way that test gets its collection error or no result, and
// the others run. pytest-xdist's workers would not see the selection: batches run with -n 0.
extern const std::string_view select_program;

// What a successful collection told.
struct Collection {
    std::vector<std::string> ids; // node ids, in pytest's order, byte for byte as pytest printed them
    std::string rootdir;          // pytest's rootdir, relative to the directory discovery ran in
    std::string inifile;          // the config file pytest read, relative to it; empty if none
    std::string xdist_workers;    // pytest-xdist's -n as configured (e.g. "auto", "4"); empty when off
};

struct CollectionResult {
    std::optional<Collection> collection;
    std::string error; // when collection is empty: what the user needs to see, pytest's words included
};

// Reads the discovery command's output. python is the interpreter as configured, for messages.
CollectionResult read_collection(std::string_view out, std::string_view err, int exit_code,
                                 const std::string &python);

// What a pytest exit code means ("usage error"), or "" for codes pytest does not define.
std::string_view exit_code_meaning(int exit_code);

// The part of a pytest output a user needs to see to understand a failure: the "ERRORS" section
// if there is one, else the last lines; bounded in length.
std::string relevant_output(std::string_view output);

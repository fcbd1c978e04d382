// The program behind the example's plain ctest tests: `probe MODE [FILE]`.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

namespace {

double now()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

} // namespace

int main(int argc, char **argv)
{
    const std::string mode = argc > 1 ? argv[1] : "";
    const std::string file = argc > 2 ? argv[2] : "";
    if (mode == "pass") {
        std::cout << "all good\n";
        return 0;
    }
    if (mode == "fail") {
        std::cout << "expected 4, got 5\n";
        return 1;
    }
    if (mode == "skip") {
        std::cout << "no GPU here: skipped\n";
        return 4;
    }
    if (mode == "crash") {
        std::cout << "about to dereference a null pointer" << std::endl;
        volatile int *null = nullptr;
        return *null;
    }
    if (mode == "env") {
        // ENVIRONMENT and WORKING_DIRECTORY: the greeting is set and probe.cpp is right here.
        const char *greeting = std::getenv("PROBE_GREETING");
        const bool here = std::ifstream("probe.cpp").good();
        std::cout << "PROBE_GREETING=" << (greeting ? greeting : "(unset)") << " probe.cpp here: " << here
                  << "\n";
        return greeting && std::strcmp(greeting, "hello") == 0 && here ? 0 : 1;
    }
    if (mode == "setup") {
        // Appends, so that a setup run twice shows in the file.
        std::ofstream out(file, std::ios::app);
        out << "ready\n";
        if (!out.flush()) {
            std::cout << "cannot write " << file << "\n";
            return 1;
        }
        return 0;
    }
    if (mode == "query") {
        std::ifstream in(file);
        std::string line;
        const bool ready = std::getline(in, line) && line == "ready";
        std::cout << (ready ? "the database is ready\n" : "no database: was db.setup run?\n");
        return ready ? 0 : 1;
    }
    if (mode == "cleanup") {
        std::ifstream in(file);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(file + ".cleaned", std::ios::app) << text;
        std::remove(file.c_str());
        return 0;
    }
    if (mode == "lock") {
        // The port is held for a moment; the start and end times show any overlap.
        const double start = now();
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        std::ofstream(file, std::ios::app) << std::fixed << start << " " << now() << "\n";
        return 0;
    }
    std::cerr << "usage: probe pass|fail|skip|crash|env|setup FILE|query FILE|cleanup FILE|lock FILE\n";
    return 2;
}

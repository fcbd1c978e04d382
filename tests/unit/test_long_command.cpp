// The script bridge's long commands (plugins/script/long_command.hpp): the bootstrap run by sh with
// the stream as its stdin, through the host's own run_process, as a script that forwards stdin
// would run it.
#include "long_command.hpp"
#include "process/input_feed.hpp"
#include "process/subprocess.hpp"

#include <doctest/doctest.h>

#include <poll.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

namespace fs = std::filesystem;

namespace {

// A command over the limit: a comment line of 100 KB, then what it does.
std::string padded(const std::string &body)
{
    return "# " + std::string(100000, 'x') + "\n" + body;
}

bool readable(int fd)
{
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1;
}

struct Scratch {
    fs::path dir;
    Scratch()
    {
        std::string pattern = (fs::temp_directory_path() / "offload-long-command-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()));
        dir = pattern;
    }
    ~Scratch() { fs::remove_all(dir); }
};

} // namespace

TEST_CASE("the command comes first on stdin, then the command's own input, live, to its end")
{
    std::signal(SIGPIPE, SIG_IGN);
    Scratch tmp;
    offload::InputFeed feed;
    // Its last line has no line feed; its exit code is the bootstrap's.
    LongCommand command(padded("while IFS= read -r line; do echo \"got $line\"; done; echo eof\nexit 3"),
                        feed.view());
    CHECK(command.bootstrap().size() < 1000);
    offload::ProcessSpec spec;
    spec.argv = {"sh", "-c", command.bootstrap()};
    spec.env = {"TMPDIR=" + tmp.dir.string()};
    spec.input = command.input();
    std::string out;
    std::mutex out_mutex;
    spec.on_output = [&](int, std::string_view data) {
        std::lock_guard lock(out_mutex);
        out.append(data);
    };
    offload::ProcessExit outcome;
    std::thread runner([&] { outcome = offload::run_subprocess(spec).value(); });
    feed.write("one\n");
    // The command answers the first line before the second is written.
    for (int i = 0; i < 500; ++i) {
        {
            std::lock_guard lock(out_mutex);
            if (out == "got one\n")
                break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    {
        std::lock_guard lock(out_mutex);
        CHECK(out == "got one\n");
    }
    feed.write("two\n");
    feed.close();
    runner.join();
    CHECK(outcome.exit_code == 3);
    CHECK(out == "got one\ngot two\neof\n");
    CHECK(fs::is_empty(tmp.dir)); // the command's file is gone
}

TEST_CASE("without input of its own the command's stdin ends after the command")
{
    std::signal(SIGPIPE, SIG_IGN);
    LongCommand command(padded("cat; echo \"end $#\"\n"), nullptr);
    offload::ProcessSpec spec;
    spec.argv = {"sh", "-c", command.bootstrap()};
    spec.input = command.input();
    std::string out;
    spec.on_output = [&](int, std::string_view data) { out.append(data); };
    offload::ProcessExit outcome = offload::run_subprocess(spec).value();
    CHECK(outcome.exit_code == 0);
    CHECK(out == "end 0\n");
}

TEST_CASE("a stream cut short before the end line runs nothing")
{
    std::signal(SIGPIPE, SIG_IGN);
    Scratch tmp;
    LongCommand command(padded("true"), nullptr);
    offload::InputFeed cut;
    cut.write("touch " + (tmp.dir / "ran").string() + "\n");
    cut.close();
    offload::ProcessSpec spec;
    spec.argv = {"sh", "-c", command.bootstrap()};
    spec.env = {"TMPDIR=" + tmp.dir.string()};
    spec.input = cut.view();
    std::string out;
    spec.on_output = [&](int, std::string_view data) { out.append(data); };
    offload::ProcessExit outcome = offload::run_subprocess(spec).value();
    CHECK(outcome.exit_code == 126);
    CHECK(out == "offload: the command did not arrive whole on stdin\n");
    CHECK(fs::is_empty(tmp.dir));
}

TEST_CASE("ready_fd is readable while the command is pending, then follows the input behind it")
{
    offload::InputFeed feed;
    LongCommand command("echo hi", feed.view());
    const offload_input &input = *command.input();
    CHECK(readable(input.ready_fd));
    std::string text;
    char buffer[7];
    while (readable(input.ready_fd)) {
        const int64_t count = input.read(&input, buffer, sizeof buffer);
        REQUIRE(count > 0);
        text.append(buffer, size_t(count));
    }
    CHECK(text.rfind("echo hi\noffload-command-end-", 0) == 0);
    CHECK(text.back() == '\n');
    CHECK(input.read(&input, buffer, sizeof buffer) == -1); // the feed has nothing yet
    feed.write("run id=a\n");
    CHECK(readable(input.ready_fd));
    CHECK(input.read(&input, buffer, sizeof buffer) == 7);
    feed.close();
    CHECK(input.read(&input, buffer, sizeof buffer) == 2);
    CHECK(input.read(&input, buffer, sizeof buffer) == 0);
}

#include "runner/batch_output.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
std::string read_file(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
} // namespace

TEST_CASE("everything goes to the log, the tail stays bounded")
{
    fs::path dir = fs::temp_directory_path() / ("offload-batch-output-" + std::to_string(getpid()));
    fs::remove_all(dir);
    std::string expected;
    {
        offload::BatchOutput output(dir / "logs" / "batch-0001.log");
        CHECK(output.error().empty());
        for (int i = 0; i < 20000; ++i) {
            std::string line = "line " + std::to_string(i) + "\n";
            output.write(line);
            expected += line;
        }
        std::string tail = output.tail();
        CHECK(tail.size() == offload::BatchOutput::tail_limit);
        CHECK(expected.substr(expected.size() - tail.size()) == tail);
        CHECK(output.total_bytes() == expected.size());
    }
    CHECK(read_file(dir / "logs" / "batch-0001.log") == expected);
    fs::remove_all(dir);
}

TEST_CASE("a chunk larger than the tail keeps only its end")
{
    fs::path dir = fs::temp_directory_path() / ("offload-batch-output-big-" + std::to_string(getpid()));
    offload::BatchOutput output(dir / "b.log");
    output.write("head");
    std::string big(offload::BatchOutput::tail_limit + 10, 'x');
    big.back() = 'E';
    output.write(big);
    std::string tail = output.tail();
    CHECK(tail.size() == offload::BatchOutput::tail_limit);
    CHECK(tail.back() == 'E');
    fs::remove_all(dir);
}

TEST_CASE("an unwritable log keeps the tail and says why")
{
    offload::BatchOutput output("/proc/offload-cannot-write-here/batch.log");
    CHECK_FALSE(output.error().empty());
    output.write("still kept");
    CHECK(output.tail() == "still kept");
}

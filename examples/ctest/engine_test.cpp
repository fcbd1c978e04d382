// A GoogleTest binary registered with a plain add_test that has arguments, ENVIRONMENT,
// WORKING_DIRECTORY, a fixture and a RESOURCE_LOCK, and one case that crashes the process: run by
// ctest it is one failed test; expanded by offload (expand_gtest) each case keeps its own outcome.
// Usage: engine_test [GTEST_FLAGS] DATABASE PORT_LOG
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

namespace {

std::string database, port_log;

double now()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

} // namespace

TEST(Engine, SeesItsArgumentsEnvironmentAndDirectory)
{
    const char *mode = std::getenv("ENGINE_MODE");
    ASSERT_NE(mode, nullptr) << "ENGINE_MODE is not set";
    EXPECT_STREQ(mode, "fast");
    EXPECT_TRUE(std::ifstream("engine_test.cpp").good()) << "not run in the source directory";
    EXPECT_FALSE(database.empty()) << "no DATABASE argument";
}

TEST(Engine, ReadsTheFixturesDatabase)
{
    std::ifstream in(database);
    std::string line;
    ASSERT_TRUE(std::getline(in, line)) << "no database at " << database << ": was db.setup run?";
    EXPECT_EQ(line, "ready");
}

TEST(Engine, HoldsThePort)
{
    // Like port.a and port.b: the start and end times show any overlap.
    const double start = now();
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    std::ofstream(port_log, std::ios::app) << std::fixed << start << " " << now() << "\n";
}

TEST(Engine, Crashes)
{
    std::cout << "about to dereference a null pointer" << std::endl;
    volatile int *null = nullptr;
    EXPECT_EQ(*null, 0);
}

TEST(Engine, StartsAfterTheCrash)
{
    EXPECT_EQ(1 + 1, 2);
}

int main(int argc, char **argv)
{
    testing::InitGoogleTest(&argc, argv);
    if (argc > 2) {
        database = argv[1];
        port_log = argv[2];
    }
    return RUN_ALL_TESTS();
}

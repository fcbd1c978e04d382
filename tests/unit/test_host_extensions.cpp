// The host's extensions: tables registered by id, answered through every plugin's
// offload_host.get_extension; unknown ids are NULL, and malformed registrations are core bugs.
#include "plugin_host/host_extensions.hpp"
#include "plugin_host/host_services.hpp"

#include <doctest/doctest.h>
#include <offload/sizes.h>

#include <filesystem>
#include <stdexcept>

using namespace offload;

namespace {

struct demo_extension {
    uint32_t struct_size;
    int (*answer)(const offload_host *host);
};

int forty_two(const offload_host *)
{
    return 42;
}

const demo_extension demo{sizeof(demo_extension), forty_two};
const demo_extension other{sizeof(demo_extension), nullptr};

} // namespace

TEST_CASE("a registry answers the table registered under an id, and NULL for any other id")
{
    HostExtensions extensions;
    extensions.add("offload.test.demo/1", &demo);
    extensions.add("offload.test.demo/2", &other);
    CHECK(extensions.find("offload.test.demo/1") == &demo);
    CHECK(extensions.find("offload.test.demo/2") == &other);
    CHECK(extensions.find("offload.test.demo/3") == nullptr);
    CHECK(extensions.find("offload.test.demo") == nullptr);
    CHECK(extensions.find("") == nullptr);
}

TEST_CASE("registering a malformed id, a NULL table or an id twice is refused")
{
    HostExtensions extensions;
    for (const char *id :
         {"", "offload.test.demo", "offload.test.demo/", "offload.test.demo/0", "offload.test.demo/v2", "/1",
          "Offload.test/1", "offload..test/1", "offload.test.demo/1/2", "offload test/1"})
        CHECK_THROWS_AS(extensions.add(id, &demo), std::invalid_argument);
    CHECK_THROWS_AS(extensions.add("offload.test.demo/1", nullptr), std::invalid_argument);
    extensions.add("offload.test.demo/1", &demo);
    CHECK_THROWS_WITH_AS(extensions.add("offload.test.demo/1", &other),
                         "host extension offload.test.demo/1 is registered twice", std::invalid_argument);
    CHECK(extensions.find("offload.test.demo/1") == &demo);
}

TEST_CASE("every plugin's offload_host answers the process-wide registry through get_extension")
{
    HostEnvironment environment{std::filesystem::current_path()};
    HostServices services("some-plugin", environment);
    const offload_host *host = services.table();
    REQUIRE(OFFLOAD_HAS_FIELD(host, offload_host, get_extension));
    REQUIRE(static_cast<bool>(host->get_extension));

    CHECK(host->get_extension(host, "offload.test.registered-later/1") == nullptr);
    register_host_extension("offload.test.registered-later/1", &demo);
    const auto *found =
        static_cast<const demo_extension *>(host->get_extension(host, "offload.test.registered-later/1"));
    REQUIRE(found == &demo);
    CHECK(found->answer(host) == 42);

    CHECK(host->get_extension(host, "offload.host.no-such-thing/1") == nullptr);
    CHECK(host->get_extension(host, nullptr) == nullptr);
}

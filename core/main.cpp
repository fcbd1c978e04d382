// offload: a parallel test runner with pluggable execution providers.
#include "cli/cli.hpp"
#include "plugin_host/plugin_library.hpp"
#include "process/interrupt.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <exception>

int main(int argc, char **argv)
{
    offload::Interrupt::install_handlers();
    offload::become_subreaper();
    int code = offload::exit_failed;
    try {
        code = offload::run_cli(argc, argv);
    } catch (const offload::Error &e) {
        offload::log::error(e.what());
        code = e.exit_code();
    } catch (const std::exception &e) {
        offload::log::error(std::string("internal error: ") + e.what());
    }
    offload::deinit_plugins();
    if (offload::Interrupt::level() > 0)
        code = offload::exit_interrupted;
    return code;
}

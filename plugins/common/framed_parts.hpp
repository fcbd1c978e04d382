// Framed parts: how a shell script hands several files (a listing, a test report, an exit code) to a
// plugin in one stream that nothing inside the files can break. Each part is a header line
// "offload-part FIELD... SIZE", then exactly SIZE bytes, then a line feed. Not part of the ABI (see
// text.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offload::common {

struct FramedPart {
    std::vector<std::string> fields; // the header's words between "offload-part" and SIZE
    std::string body;
};

struct FramedParts {
    std::vector<FramedPart> parts;
    // Set when the stream ends inside a part or holds something else: the parts before it are
    // whole, nothing after it is read.
    std::optional<std::string> damage;
};

FramedParts read_framed_parts(std::string_view text);

// The first part whose first field is kind, or null.
const FramedPart *find_part(const std::vector<FramedPart> &parts, const char *kind);

// sh function definitions for a script that writes parts to stdout (or to "$1"'s redirection, see
// below): `offload_part FIELDS... FILE` frames FILE (an absent file is an empty part), and
// `offload_text FIELDS... TEXT` frames TEXT. Every name they use starts with offload_.
std::string framed_part_functions();

} // namespace offload::common

// The frames the GoogleTest shell half (plugins/gtest/gtest_common.sh, used by the gtest framework and
// by the ctest framework's expanded tests) writes (`@offload-gtest KIND BYTES`, BYTES bytes, a line
// feed), read back. Lengths, not markers, delimit them, so that no output of a test can pass for one.
// Not part of the ABI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace offload::common {

struct Frame {
    std::string kind;
    std::string_view data; // points into the text given to read_frames()
};

struct Frames {
    std::vector<Frame> frames;
    std::string error; // set when the text ends early or holds something else than frames
};

// The frames of text, in order, up to the first that is cut off or malformed (then error says
// where).
Frames read_frames(std::string_view text);

} // namespace offload::common

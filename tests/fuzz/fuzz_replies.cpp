// libFuzzer target: what a provider script prints as its protocol replies (any bytes at all).
#include "replies.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string_view text(reinterpret_cast<const char *>(data), size);
    std::vector<Reply> replies = parse_replies(text);
    for (const Reply &reply : replies) {
        if (reply.word.empty() || reply.word.find('\n') != std::string::npos ||
            reply.value.find('\n') != std::string::npos)
            std::abort(); // one reply per line, never empty
        split_words(reply.value);
    }
    find_reply(replies, "sandbox");
    return 0;
}

// Text crossing the plugin boundary, handled defensively: sinks that collect into bounded
// strings, and reading of plugin-owned strings that may be NULL or absurdly long.
#pragma once

#include <offload/abi.h>
#include <offload/sizes.h>

#include <string>
#include <string_view>

namespace offload {

// Collects what a plugin appends, keeping at most limit bytes (the rest is counted and dropped).
class CollectingSink {
  public:
    explicit CollectingSink(size_t limit = 1 << 20)
        : m_limit(limit), m_sink{sizeof(offload_text_sink), this, &CollectingSink::append}
    {
    }
    CollectingSink(const CollectingSink &) = delete;
    CollectingSink &operator=(const CollectingSink &) = delete;

    const offload_text_sink *get() const { return &m_sink; }
    const std::string &text() const { return m_text; }
    bool truncated() const { return m_dropped > 0; }
    // The text, or fallback when the plugin said nothing.
    std::string text_or(std::string_view fallback) const
    {
        return m_text.empty() ? std::string(fallback) : m_text;
    }

  private:
    static void append(void *context, const char *data, size_t length)
    {
        auto *self = static_cast<CollectingSink *>(context);
        if (!data)
            return;
        size_t room = self->m_limit - std::min(self->m_limit, self->m_text.size());
        self->m_text.append(data, std::min(room, length));
        self->m_dropped += length - std::min(room, length);
    }
    size_t m_limit;
    size_t m_dropped = 0;
    std::string m_text;
    offload_text_sink m_sink;
};

// Appends text to a plugin's sink. A sink that is NULL, has no append function or is smaller than
// its first version is treated as absent: the text is dropped.
inline void append_to_sink(const offload_text_sink *sink, std::string_view text)
{
    if (sink && OFFLOAD_SIZE_OK(sink, offload_text_sink) && sink->append)
        sink->append(sink->context, text.data(), text.size());
}

// A plugin-owned C string, copied with a bound; NULL becomes "".
inline std::string copy_bounded(const char *text, size_t limit)
{
    std::string value;
    if (!text)
        return value;
    size_t length = 0;
    while (length < limit && text[length])
        ++length;
    value.assign(text, length);
    return value;
}

} // namespace offload

// A small JSON reader for what test tools write (cargo's messages, go test -json events, the
// vitest and jest reports): enough to read one document into a tree and look fields up. Not a
// general-purpose library: no writer, no number precision. Not part of the ABI (see text.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace offload::common {

class Json {
  public:
    enum class Type { Null, Boolean, Number, String, Array, Object };

    // Parses one JSON document (surrounding whitespace allowed). nullopt when text is not valid
    // JSON or nests deeper than 64 levels.
    static std::optional<Json> parse(std::string_view text);

    Type type() const { return m_type; }
    bool is_string() const { return m_type == Type::String; }
    // The string's text, or "" for any other type.
    const std::string &string() const { return m_text; }
    // True only for the literal `true`.
    bool is_true() const { return m_type == Type::Boolean && m_boolean; }
    // The member named key of an object; a Null value when absent or not an object.
    const Json &operator[](std::string_view key) const;
    // The index-th element of an array; a Null value when absent or not an array.
    const Json &operator[](size_t index) const;
    // The number of elements of an array, or 0 for any other type.
    size_t size() const { return m_elements.size(); }

  private:
    friend class JsonParser;
    Type m_type = Type::Null;
    bool m_boolean = false;
    std::string m_text;                                  // strings; numbers as written
    std::vector<Json> m_elements;                        // arrays
    std::vector<std::pair<std::string, Json>> m_members; // objects, in document order
};

} // namespace offload::common

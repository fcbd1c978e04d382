// Reading JSON strictly (RFC 8259), as a pull parser: the caller walks the document and keeps what it
// wants, so a large document (a run record of 100,000 tests) is never held as a tree of nodes.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace offload {

// What is wrong and where: "line 3, column 14: expected ',' or '}'".
class JsonError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Thread: one thread at a time. The text is borrowed and must outlive the reader. Every method throws
// JsonError at the first thing that is not strict JSON: a trailing comma, a control character or
// invalid UTF-8 inside a string, a lone surrogate escape, NaN, a leading zero, nesting deeper than
// max_depth, anything after the document.
class JsonReader {
  public:
    enum class Kind { Null, Bool, Number, String, Array, Object };
    static constexpr size_t max_depth = 256;

    explicit JsonReader(std::string_view text) : m_text(text) {}

    // The kind of the next value (skipping whitespace).
    Kind peek();

    // Objects: begin_object(), then next_key(key) until it returns false (the closing brace read).
    void begin_object();
    bool next_key(std::string &key);
    // Arrays: begin_array(), then while (next_element()) read one value.
    void begin_array();
    bool next_element();

    std::string string();
    double number();
    bool boolean();
    void null();
    // Reads the next value, whatever it is, and throws it away (still checked).
    void skip();
    // After the top-level value: only whitespace may follow.
    void finish();

    // "line L, column C" of the next unread byte, for a caller's own messages about the content.
    std::string where() const;
    [[noreturn]] void fail(const std::string &what) const;

  private:
    void skip_space();
    char next_char(); // after skip_space; throws at the end of the text
    void expect(char c);
    void expect_word(std::string_view word);
    void append_escape(std::string &out);
    unsigned hex4();
    void enter();

    std::string_view m_text;
    size_t m_at = 0;
    size_t m_depth = 0;
    // Per open container (bit depth-1): whether it has had an element, so a comma must come first.
    std::string m_has_items;
};

} // namespace offload

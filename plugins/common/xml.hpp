// Reading the XML of test tools' reports and listings with RapidXML. Not part of the ABI (see
// text.hpp).
#pragma once

#include <rapidxml/rapidxml.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace offload::common {

using XmlNode = rapidxml::xml_node<char>;

// A parsed document; it owns the text its nodes point into.
class XmlDocument {
  public:
    // nullopt-like: root() is null and error() says why, for text that is not whole, well-formed XML.
    explicit XmlDocument(std::string_view text);
    const XmlNode *root() const { return m_root; }
    const std::string &error() const { return m_error; }

  private:
    std::unique_ptr<char[]> m_buffer;
    rapidxml::xml_document<char> m_document;
    const XmlNode *m_root = nullptr;
    std::string m_error;
};

// The attribute's value, or fallback when it is absent.
std::string xml_attribute(const XmlNode *node, const char *name, const std::string &fallback = {});
// The node's text, trimmed.
std::string xml_text(const XmlNode *node);

} // namespace offload::common

#include "common/xml.hpp"

#include "common/text.hpp"

#include <cstring>

namespace offload::common {

XmlDocument::XmlDocument(std::string_view text) : m_buffer(new char[text.size() + 1])
{
    std::memcpy(m_buffer.get(), text.data(), text.size());
    m_buffer[text.size()] = '\0';
    try {
        m_document.parse<rapidxml::parse_default>(m_buffer.get());
        m_root = m_document.first_node();
        if (!m_root)
            m_error = "no element";
    } catch (const rapidxml::parse_error &e) {
        m_error = e.what();
        m_root = nullptr;
    }
}

std::string xml_attribute(const XmlNode *node, const char *name, const std::string &fallback)
{
    const auto *attribute = node ? node->first_attribute(name) : nullptr;
    return attribute ? std::string(attribute->value(), attribute->value_size()) : fallback;
}

std::string xml_text(const XmlNode *node)
{
    if (!node)
        return {};
    std::string text;
    for (const XmlNode *child = node->first_node(); child; child = child->next_sibling())
        if (child->type() == rapidxml::node_data || child->type() == rapidxml::node_cdata)
            text.append(child->value(), child->value_size());
    if (text.empty())
        text.assign(node->value(), node->value_size());
    return std::string(trim(text));
}

} // namespace offload::common

#include "runner/batch_output.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

namespace offload {

BatchOutput::BatchOutput(std::filesystem::path log_path) : m_log_path(std::move(log_path))
{
    std::error_code error;
    std::filesystem::create_directories(m_log_path.parent_path(), error);
    m_file = std::fopen(m_log_path.c_str(), "wbe");
    if (!m_file)
        m_error = "cannot write " + m_log_path.string() + ": " + std::strerror(errno);
}

BatchOutput::~BatchOutput()
{
    if (m_file)
        std::fclose(m_file);
}

void BatchOutput::write(std::string_view data)
{
    if (m_file && std::fwrite(data.data(), 1, data.size(), m_file) != data.size()) {
        m_error = "writing " + m_log_path.string() + " failed: " + std::strerror(errno);
        std::fclose(m_file);
        m_file = nullptr;
    }
    m_total += data.size();
    if (data.size() >= tail_limit) {
        m_ring.assign(data.substr(data.size() - tail_limit));
        m_ring_start = 0;
        return;
    }
    for (char c : data) {
        if (m_ring.size() < tail_limit) {
            m_ring.push_back(c);
        } else {
            m_ring[m_ring_start] = c;
            m_ring_start = (m_ring_start + 1) % tail_limit;
        }
    }
}

std::string BatchOutput::tail() const
{
    if (m_file)
        std::fflush(m_file);
    return m_ring.substr(m_ring_start) + m_ring.substr(0, m_ring_start);
}

} // namespace offload

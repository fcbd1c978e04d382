// A private temporary file holding given bytes, removed with the object: the host's read_junit
// reads files, and the gtest and ctest frameworks receive GoogleTest's XML inside other text. Not
// part of the ABI.
#pragma once

#include <string>
#include <string_view>

namespace offload::common {

class TempFile {
  public:
    // Throws std::runtime_error when the file cannot be written.
    explicit TempFile(std::string_view contents);
    ~TempFile();
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;
    const std::string &path() const { return m_path; }

  private:
    std::string m_path;
};

} // namespace offload::common

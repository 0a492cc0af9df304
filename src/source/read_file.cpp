// Reads a whole file as bytes (no newline or encoding conversion: spans and
// checksums are over the bytes on disk), with errors that name the file.

#include "paths.hpp"
#include "pgsafe/source/migration.hpp"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <system_error>

namespace pgsafe::source {

std::string read_file(const std::filesystem::path& path) {
    detail::require_exists(path);
    if (std::filesystem::is_directory(path)) {
        detail::throw_path_error(path, "is a directory");
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int error = errno;
        detail::throw_path_error(path, error != 0
                                           ? detail::describe(std::error_code(error, std::generic_category()))
                                           : "cannot be opened");
    }
    std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
        detail::throw_path_error(path, "read error");
    }
    return bytes;
}

}  // namespace pgsafe::source

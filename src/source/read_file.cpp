// Reads a whole file as bytes, with errors that name the file, and turns a
// migration's bytes into its canonical text (what is hashed, planned and
// run), read once with its checksum.

#include "paths.hpp"
#include "pgsafe/source/migration.hpp"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <string_view>
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

std::string canonical_text(std::string bytes) {
    static constexpr std::string_view k_bom = "\xEF\xBB\xBF";
    if (std::string_view(bytes).substr(0, k_bom.size()) == k_bom) bytes.erase(0, k_bom.size());
    if (bytes.find('\r') == std::string::npos) return bytes;
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') continue;
        out += bytes[i];
    }
    return out;
}

MigrationFile read_migration(const std::filesystem::path& path, const MigrationName& name) {
    std::string bytes = read_file(path);
    std::string text = canonical_text(bytes);
    MigrationFile file{name.version, name.name, path, sha256_checksum(text), "", ""};
    if (text.size() != bytes.size()) file.bytes_checksum = sha256_checksum(bytes);
    file.text = std::move(text);
    return file;
}

std::string read_sql_file(const std::filesystem::path& path) {
    return canonical_text(read_file(path));
}

}  // namespace pgsafe::source

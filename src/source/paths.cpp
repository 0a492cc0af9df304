// Path helpers shared by src/source/: every file error names its path the
// same way, and listings order files the same way wherever they are made.

#include "paths.hpp"

#include <cctype>

namespace pgsafe::source::detail {

std::string describe(const std::error_code& error) {
    std::string message = error.message();
    if (!message.empty()) {
        message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    return message;
}

void throw_path_error(const std::filesystem::path& path, const std::string& reason) {
    throw Error(ErrorKind::Usage, path.string() + ": " + reason);
}

void require_exists(const std::filesystem::path& path) {
    std::error_code error;
    auto status = std::filesystem::status(path, error);
    if (!std::filesystem::exists(status)) {
        bool other_error = error && error != std::errc::no_such_file_or_directory;
        throw_path_error(path, other_error ? describe(error) : "no such file or directory");
    }
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_hidden(const std::filesystem::path& path) {
    auto name = path.filename().string();
    return !name.empty() && name.front() == '.';
}

bool byte_less(const std::filesystem::path& a, const std::filesystem::path& b) {
    return a.generic_string() < b.generic_string();
}

bool migration_less(const NamedPath& a, const NamedPath& b) {
    if (version_less(a.name.version, b.name.version)) {
        return true;
    }
    if (version_less(b.name.version, a.name.version)) {
        return false;
    }
    return byte_less(a.path, b.path);
}

bool same_version(const NamedPath& a, const NamedPath& b) {
    return !version_less(a.name.version, b.name.version) && !version_less(b.name.version, a.name.version);
}

std::optional<std::string> not_a_regular_file(const std::filesystem::directory_entry& entry) {
    namespace fs = std::filesystem;
    std::error_code error;
    fs::file_status target = entry.status(error);
    switch (target.type()) {
        case fs::file_type::regular: return std::nullopt;
        case fs::file_type::not_found:
            return entry.is_symlink(error) ? "is a broken symbolic link" : "does not exist any more";
        case fs::file_type::directory: return "is a directory";
        case fs::file_type::fifo: return "is a FIFO (named pipe)";
        case fs::file_type::socket: return "is a socket";
        case fs::file_type::block:
        case fs::file_type::character: return "is a device";
        default: return error ? describe(error) : "is not a regular file";
    }
}

std::string not_a_file_message(const std::filesystem::path& path, const std::string& what) {
    return path.string() + ": " + what +
           ", but its name is a migration's; make it a regular file, or rename or remove it";
}

}  // namespace pgsafe::source::detail

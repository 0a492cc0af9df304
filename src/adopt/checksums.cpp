// The checksums other tools store, computed the way each tool computes
// them, so that adopting verifies a file against what actually ran.

#include "pgsafe/adopt/history.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace pgsafe::adopt {
namespace {

std::array<unsigned int, 256> crc_table() {
    std::array<unsigned int, 256> table{};
    for (unsigned int i = 0; i < 256; ++i) {
        unsigned int c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}

std::string hex_digest(std::string_view bytes, const EVP_MD* md) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr) != 1)
        throw std::runtime_error("OpenSSL could not compute a digest");
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += k_hex[digest[i] >> 4];
        out += k_hex[digest[i] & 0x0f];
    }
    return out;
}

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, from.size(), from) == 0) {
            out += to;
            i += from.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

}  // namespace

unsigned int crc32(std::string_view bytes) {
    static const auto k_table = crc_table();
    unsigned int c = 0xFFFFFFFFu;
    for (unsigned char b : bytes) c = k_table[(c ^ b) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

// Flyway reads the file line by line (a line ends at LF, CR or CRLF), drops
// a BOM from the first line, and feeds each line's bytes without its ending
// to one CRC32: the CRC32 of the bytes with every CR and LF removed.
int flyway_checksum(std::string_view bytes) {
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
    std::string lines;
    lines.reserve(bytes.size());
    for (char c : bytes)
        if (c != '\r' && c != '\n') lines += c;
    return static_cast<int>(crc32(lines));
}

std::string sqlx_checksum(std::string_view bytes) {
    return hex_digest(bytes, EVP_sha384());
}

std::vector<std::string> prisma_checksums(std::string_view bytes) {
    std::string lf = replace_all(bytes, "\r\n", "\n");
    return {hex_digest(bytes, EVP_sha256()), hex_digest(lf, EVP_sha256()),
            hex_digest(replace_all(lf, "\n", "\r\n"), EVP_sha256())};
}

std::string sqitch_hash(std::string_view bytes) {
    return hex_digest(bytes, EVP_sha1());
}

}  // namespace pgsafe::adopt

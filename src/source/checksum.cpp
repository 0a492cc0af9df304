// SHA-256 of a migration's canonical text (source::canonical_text: no BOM,
// LF line ends). The checksum binds approvals and detects drift of applied
// migrations; the text it is over is the text that runs.

#include "pgsafe/source/migration.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace pgsafe::source {

std::string sha256_checksum(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out = "sha256:";
    out.reserve(out.size() + 2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += k_hex[digest[i] >> 4];
        out += k_hex[digest[i] & 0x0f];
    }
    return out;
}

}  // namespace pgsafe::source

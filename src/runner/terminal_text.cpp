// Cutting and escaping text for the terminal, byte by byte over UTF-8.

#include "terminal_text.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

bool continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// The code point of the 2- or 3-byte UTF-8 sequence at text[i], or 0 when it is not one.
unsigned code_point_at(std::string_view text, std::size_t i, std::size_t& length) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i);
    if ((c & 0xE0) == 0xC0 && i + 1 < text.size() && continuation(byte(i + 1))) {
        length = 2;
        return ((c & 0x1Fu) << 6) | (byte(i + 1) & 0x3Fu);
    }
    if ((c & 0xF0) == 0xE0 && i + 2 < text.size() && continuation(byte(i + 1)) && continuation(byte(i + 2))) {
        length = 3;
        return ((c & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
    }
    return 0;
}

bool invisible_control(unsigned cp) {
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    std::size_t cut = max_bytes;
    while (cut > 0 && continuation(static_cast<unsigned char>(text[cut]))) --cut;
    return std::string(text.substr(0, cut));
}

std::string shortened(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    return utf8_prefix(text, max_bytes > 3 ? max_bytes - 3 : 0) + "...";
}

std::string terminal_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\x{:02x}", c);
            continue;
        }
        std::size_t length = 1;
        if (c >= 0xC0) {
            unsigned cp = code_point_at(text, i, length);
            if (cp != 0 && invisible_control(cp)) {
                out += fmt::format("\\u{{{:04x}}}", cp);
                i += length - 1;
                continue;
            }
            length = 1;
        }
        out += text[i];
    }
    return out;
}

}  // namespace pgsafe::runner

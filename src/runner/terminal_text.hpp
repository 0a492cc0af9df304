#pragma once
// Text the runner prints to a terminal: names and SQL from a migration may
// hold control characters (an escape sequence in a quoted identifier
// rewrites the screen) and multi-byte UTF-8, which a cut must not split.

#include <cstddef>
#include <string>
#include <string_view>

namespace pgsafe::runner {

// At most `max_bytes` bytes of `text`, never ending inside a UTF-8 character.
std::string utf8_prefix(std::string_view text, std::size_t max_bytes);

// `text` shortened to at most `max_bytes` bytes with "..." at the end when
// it was longer, cut between characters.
std::string shortened(std::string_view text, std::size_t max_bytes);

// `text` with every control character written as an escape: C0 and DEL as
// \xNN (\n, \r, \t included: a progress line is one line), C1 and the
// bidirectional overrides as \u{NNNN}. Everything else is kept as is.
std::string terminal_safe(std::string_view text);

}  // namespace pgsafe::runner

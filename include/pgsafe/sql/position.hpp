#pragma once
// Byte offsets to 1-based line and column, computed only when reporting.

#include <cstddef>
#include <string_view>
#include <vector>

namespace pgsafe::sql {

struct Position {
    std::size_t line = 1;    // 1-based
    std::size_t column = 1;  // 1-based, in characters (UTF-8 code points)
};

class LineIndex {
public:
    explicit LineIndex(std::string_view text);

    Position position(std::size_t offset) const;
    // The text of a 1-based line, without its line ending.
    std::string_view line_text(std::size_t line) const;
    std::size_t line_count() const { return m_starts.size(); }

private:
    std::string_view m_text;
    std::vector<std::size_t> m_starts;
};

}  // namespace pgsafe::sql

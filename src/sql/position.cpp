// Line and column for reports: 1-based, columns counted in UTF-8 characters
// so editors and code-scanning tools point at the same place.

#include "pgsafe/sql/position.hpp"

#include <algorithm>

namespace pgsafe::sql {

LineIndex::LineIndex(std::string_view text) : m_text(text) {
    m_starts.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') {
            m_starts.push_back(i + 1);
        } else if (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n')) {
            m_starts.push_back(i + 1);  // a lone CR ends a line too
        }
    }
}

Position LineIndex::position(size_t offset) const {
    offset = std::min(offset, m_text.size());
    auto it = std::upper_bound(m_starts.begin(), m_starts.end(), offset);
    size_t line = static_cast<size_t>(it - m_starts.begin());
    size_t column = 1;
    for (size_t i = m_starts[line - 1]; i < offset; ++i) {
        if ((static_cast<unsigned char>(m_text[i]) & 0xC0) != 0x80) ++column;
    }
    return Position{line, column};
}

std::string_view LineIndex::line_text(size_t line) const {
    if (line == 0 || line > m_starts.size()) return {};
    size_t begin = m_starts[line - 1];
    size_t end = line < m_starts.size() ? m_starts[line] : m_text.size();
    while (end > begin && (m_text[end - 1] == '\n' || m_text[end - 1] == '\r')) --end;
    return m_text.substr(begin, end - begin);
}

}  // namespace pgsafe::sql

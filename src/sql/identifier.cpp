// Double-quoting identifiers (identifier.hpp).

#include "pgsafe/sql/identifier.hpp"

namespace pgsafe::sql {

std::string quoted_identifier(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace pgsafe::sql

// Flyway (modelled on Flyway 9/10, table flyway_schema_history; pre-5
// schema_version has the same columns, 3.x adds version_rank): one row per
// run script. Versioned rows are matched by version (V1_2__x.sql is 1.2,
// compared numerically part by part, so 1.0 is 1). Repeatable rows (version
// NULL, type SQL) are matched by description, as Flyway matches them
// (R__my_view.sql is "my view"), and only the latest row of each counts: its
// checksum says whether Flyway would run the file again. The schema-creation
// marker and undo/delete rows are not migrations pgsafe runs. A BASELINE row
// stands for every version up to it. success = false is a failed
// non-transactional migration that Flyway itself refuses to go past until
// `flyway repair`.

#include "tool_spec.hpp"

#include "pgsafe/source/repeatable.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        std::string type = text_of(r.value("type", nlohmann::json()));
        std::string version = text_of(r.value("version", nlohmann::json()));
        std::string description = text_of(r.value("description", nlohmann::json()));
        if (r.value("success", true) == false) {
            history.failures.push_back(fmt::format(
                "Flyway: Detected failed migration to version {} ({}). Please remove any half-completed "
                "changes then run repair to fix the schema history (`flyway repair`).",
                version.empty() ? "repeatable" : version, description));
            continue;
        }
        bool repeatable = version.empty() && type == "SQL";
        if ((version.empty() && !repeatable) || type == "SCHEMA" || type == "DELETE" ||
            type.rfind("UNDO", 0) == 0)
            continue;
        HistoryRow row;
        row.key = repeatable ? source::repeatable_version(description) : version;
        row.name = description;
        row.row = r;
        if (type == "BASELINE") {
            row.covers_earlier = true;
            row.needs_file = false;
        } else if (auto c = r.find("checksum"); c != r.end() && !c->is_null()) {
            row.checksum = text_of(*c);
        }
        if (repeatable) {
            // Flyway compares a repeatable with its latest run only.
            auto earlier = std::find_if(history.applied.begin(), history.applied.end(),
                                        [&](const HistoryRow& seen) { return seen.key == row.key; });
            if (earlier != history.applied.end()) {
                *earlier = std::move(row);
                continue;
            }
        }
        history.applied.push_back(std::move(row));
    }
}

// V1_2__x.sql is version 1.2 to Flyway; R__my_view.sql is the repeatable "my view".
std::string file_key(const source::MigrationFile& file) {
    if (source::is_repeatable(file.version)) {
        std::string description = file.name;
        std::replace(description.begin(), description.end(), '_', ' ');
        return source::repeatable_version(description);
    }
    std::string key = version_key(file);
    for (char& c : key)
        if (c == '_') c = '.';
    return key;
}

std::optional<bool> matches(const HistoryRow& row, const std::string& bytes) {
    if (!row.checksum) return std::nullopt;
    return *row.checksum == std::to_string(flyway_checksum(bytes));
}

// "Flyway" in ASCII plus the Java hashCode of the quoted table name ("schema"."table").
// Flyway's own string, embedded quotes not doubled: deliberately not sql::quoted_identifier.
std::optional<long long> lock_key(const LockContext& where) {
    std::string quoted = fmt::format("\"{}\".\"{}\"", where.schema, where.table);
    std::uint32_t hash = 0;
    for (unsigned char c : quoted) hash = 31 * hash + c;  // ASCII names: UTF-16 units are the bytes
    constexpr long long k_magic = 0x466C79776179LL;
    return k_magic + static_cast<std::int32_t>(hash);
}

}  // namespace

const ToolSpec k_flyway{Tool::Flyway,
                        "flyway",
                        {"flyway_schema_history", "schema_version"},
                        {"installed_rank", "version", "description", "type", "script", "checksum", "success"},
                        {},
                        "installed_rank",
                        KeyOrder::Numeric,
                        read,
                        file_key,
                        matches,
                        lock_key};

}  // namespace pgsafe::adopt::detail

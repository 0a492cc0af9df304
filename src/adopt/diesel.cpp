// Diesel (modelled on diesel_migrations 2.2, table __diesel_schema_migrations):
// (version varchar(50) PRIMARY KEY, run_on timestamp). The version is the
// folder name's part before the first '_' without its dashes:
// 2024-01-02-030405_create_users/up.sql is 20240102030405. No checksum,
// no failed state, no advisory lock.

#include "tool_spec.hpp"

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        HistoryRow row;
        row.key = text_of(r.value("version", nlohmann::json()));
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

std::string without_dashes(std::string text) {
    std::string out;
    for (char c : text)
        if (c != '-') out += c;
    return out;
}

// From the folder when discovery found Diesel's layout, else from the version it read.
std::string file_key(const source::MigrationFile& file) {
    if (auto folder = folder_of(file, "up.sql")) return without_dashes(folder->substr(0, folder->find('_')));
    return without_dashes(version_key(file));
}

}  // namespace

const ToolSpec k_diesel{Tool::Diesel,      "diesel", {"__diesel_schema_migrations"},
                        {"version"},       {},       "version",
                        KeyOrder::Numeric, read,     file_key,
                        nullptr,           nullptr};

}  // namespace pgsafe::adopt::detail

// node-pg-migrate (modelled on v7.9, table pgmigrations): (id serial,
// name varchar(255), run_on timestamp). The name is the file's name
// without its extension (1700000000000_create-users for
// 1700000000000_create-users.sql). No checksum, no failed state (the run
// is one transaction by default). Lock: pg_try_advisory_lock(7241865325823964)
// (runner.js, PG_MIGRATE_LOCK_ID).

#include "tool_spec.hpp"

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        HistoryRow row;
        row.key = text_of(r.value("name", nlohmann::json()));
        row.name = row.key;
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

// path.parse(file).name: only the last extension goes.
std::string file_key(const source::MigrationFile& file) {
    std::string name = file.path.filename().string();
    auto dot = name.rfind('.');
    return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace

const ToolSpec k_node_pg_migrate{
    Tool::NodePgMigrate,
    "node-pg-migrate",
    {"pgmigrations"},
    {"id", "name", "run_on"},
    {},
    "id",
    KeyOrder::NumberedName,
    read,
    file_key,
    nullptr,
    [](const LockContext&) -> std::optional<long long> { return 7241865325823964LL; }};

}  // namespace pgsafe::adopt::detail

// The list of tools pgsafe adopts from, and reading one's history table:
// find it (the tool's default name, or --table), check it has the tool's
// shape (golang-migrate, dbmate and Rails all call theirs
// schema_migrations), and read its rows with SELECT only.

#include "tool_spec.hpp"

#include "../runner/sql_text.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace pgsafe::adopt {
namespace detail {

const ToolSpec& spec(Tool tool) {
    switch (tool) {
        case Tool::Flyway: return k_flyway;
        case Tool::GolangMigrate: return k_golang_migrate;
        case Tool::Goose: return k_goose;
        case Tool::Dbmate: return k_dbmate;
        case Tool::Diesel: return k_diesel;
        case Tool::Sqlx: return k_sqlx;
        case Tool::Prisma: return k_prisma;
        case Tool::NodePgMigrate: return k_node_pg_migrate;
        case Tool::Popx: return k_popx;
        case Tool::Sqitch: return k_sqitch;
        case Tool::Rails: return k_rails;
        case Tool::Django: return k_django;
    }
    return k_flyway;
}

std::string text_of(const nlohmann::json& value) {
    if (value.is_null()) return "";
    if (value.is_string()) return value.get<std::string>();
    return value.dump();
}

std::string version_key(const source::MigrationFile& file) {
    return file.version;
}

std::string file_stem(const source::MigrationFile& file) {
    std::string name = file.path.filename().string();
    for (const char* suffix : {".up.sql", ".sql"}) {
        std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
            return name.substr(0, name.size() - s.size());
    }
    return name;
}

std::optional<std::string> folder_of(const source::MigrationFile& file, const char* leaf) {
    if (file.path.filename() != leaf || !file.path.has_parent_path()) return std::nullopt;
    std::string folder = file.path.parent_path().filename().string();
    if (folder.empty() || folder == "." || folder == "..") return std::nullopt;
    return folder;
}

namespace {

struct Located {
    std::string schema;
    std::string table;
    std::string qualified() const { return runner::ident(schema) + "." + runner::ident(table); }
    std::string display() const { return schema + "." + table; }
};

// "name" or "schema.name" as the user wrote it, through the search path.
std::optional<Located> locate(db::Connection& c, const std::string& name) {
    auto rows = c.query(
        fmt::format(
            "SELECT n.nspname::pg_catalog.text, cl.relname::pg_catalog.text FROM pg_catalog.pg_class cl "
            "JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace "
            "WHERE cl.oid = pg_catalog.to_regclass({})::pg_catalog.oid",
            runner::literal(name)),
        "looking for the history table");
    if (rows.empty()) return std::nullopt;
    return Located{rows[0][0].value_or(""), rows[0][1].value_or("")};
}

// Sqitch's registry is a schema: it exists when its events table does.
std::optional<Located> locate_sqitch(db::Connection& c, const std::string& schema) {
    auto found = locate(c, runner::ident(schema) + ".events");
    if (!found) return std::nullopt;
    return Located{found->schema, ""};
}

std::optional<Located> find_table(db::Connection& c, const ToolSpec& s, const std::string& table) {
    std::vector<std::string> names = table.empty() ? s.default_tables : std::vector<std::string>{table};
    for (const auto& name : names) {
        auto found = s.tool == Tool::Sqitch ? locate_sqitch(c, name) : locate(c, name);
        if (found) return found;
    }
    return std::nullopt;
}

std::vector<std::string> columns_of(db::Connection& c, const std::string& qualified) {
    auto rows = c.query(
        fmt::format("SELECT attname::pg_catalog.text FROM pg_catalog.pg_attribute WHERE attrelid = "
                    "pg_catalog.to_regclass({})::pg_catalog.oid AND attnum > 0 AND NOT attisdropped ORDER BY "
                    "attnum",
                    runner::literal(qualified)),
        "reading the history table's columns");
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.at(0).value_or(""));
    return out;
}

// golang-migrate, dbmate and Rails all name their table schema_migrations.
void require_shape(db::Connection& c, const ToolSpec& s, const Located& where) {
    std::string checked =
        s.tool == Tool::Sqitch ? runner::ident(where.schema) + ".events" : where.qualified();
    auto columns = columns_of(c, checked);
    auto has = [&](const std::string& name) {
        return std::find(columns.begin(), columns.end(), name) != columns.end();
    };
    std::vector<std::string> missing;
    for (const auto& column : s.required_columns)
        if (!has(column)) missing.push_back(column);
    std::vector<std::string> foreign;
    for (const auto& column : s.foreign_columns)
        if (has(column)) foreign.push_back(column);
    if (missing.empty() && foreign.empty()) return;
    throw Error(
        ErrorKind::Usage,
        fmt::format("{} is not {}'s history table: {}{}{} (its columns: {}); name the right tool with "
                    "--from, or its table with --table",
                    where.schema + (where.table.empty() ? "" : "." + where.table), s.name,
                    missing.empty() ? "" : "it has no column " + fmt::format("{}", fmt::join(missing, ", ")),
                    !missing.empty() && !foreign.empty() ? ", and " : "",
                    foreign.empty() ? "" : "it has " + fmt::format("{}", fmt::join(foreign, ", ")),
                    fmt::join(columns, ", ")));
}

std::string rows_sql(const ToolSpec& s, const Located& where) {
    if (s.rows_sql != nullptr) return s.rows_sql(runner::ident(where.schema));
    return fmt::format("SELECT coalesce(pg_catalog.json_agg(t ORDER BY {}), '[]')::pg_catalog.text FROM {} t",
                       s.order_by, where.qualified());
}

std::string display(const Located& where) {
    return where.table.empty() ? where.schema : where.display();
}

}  // namespace
}  // namespace detail

using detail::spec;

const char* tool_name(Tool tool) {
    return spec(tool).name;
}

bool adopted_as_baseline(Tool tool) {
    return spec(tool).baseline_only;
}

const std::vector<Tool>& all_tools() {
    static const std::vector<Tool> k_all = {
        Tool::Flyway, Tool::GolangMigrate, Tool::Goose, Tool::Dbmate, Tool::Diesel, Tool::Sqlx,
        Tool::Prisma, Tool::NodePgMigrate, Tool::Popx,  Tool::Sqitch, Tool::Rails,  Tool::Django};
    return k_all;
}

std::optional<Tool> tool_from_name(std::string_view name) {
    for (Tool t : all_tools())
        if (name == tool_name(t)) return t;
    return std::nullopt;
}

std::string resolve_history_table(db::Connection& connection, Tool tool, const std::string& table) {
    auto found = detail::find_table(connection, spec(tool), table);
    return found ? detail::display(*found) : "";
}

nlohmann::json history_rows(db::Connection& connection, Tool tool, const std::string& table) {
    const auto& s = spec(tool);
    auto found = detail::find_table(connection, s, table);
    if (!found) return nlohmann::json::array();
    auto rows = connection.query(detail::rows_sql(s, *found), "reading the history table");
    return nlohmann::json::parse(rows.at(0).at(0).value_or("[]"));
}

History read_history(db::Connection& connection, Tool tool, const std::string& table) {
    const auto& s = spec(tool);
    History history;
    history.tool = tool;
    auto found = detail::find_table(connection, s, table);
    if (!found) {
        history.table = table.empty() ? s.default_tables.front() : table;
        return history;
    }
    detail::require_shape(connection, s, *found);
    history.exists = true;
    history.table = detail::display(*found);
    auto rows = connection.query(detail::rows_sql(s, *found), "reading the history table");
    history.rows = nlohmann::json::parse(rows.at(0).at(0).value_or("[]"));
    s.read(history.rows, history);
    return history;
}

std::optional<long long> tool_lock_key(Tool tool, const std::string& database, const std::string& schema,
                                       const std::string& table) {
    const auto& s = spec(tool);
    if (s.lock_key == nullptr) return std::nullopt;
    return s.lock_key({database, schema, table});
}

std::string file_key(Tool tool, const source::MigrationFile& file) {
    return spec(tool).file_key(file);
}

namespace {

// node-pg-migrate: the leading number, then the rest as text.
std::pair<std::string_view, std::string_view> split_number(std::string_view key) {
    std::size_t digits = 0;
    while (digits < key.size() && std::isdigit(static_cast<unsigned char>(key[digits])) != 0) ++digits;
    return {key.substr(0, digits), key.substr(digits)};
}

}  // namespace

bool key_less(Tool tool, std::string_view a, std::string_view b) {
    switch (spec(tool).key_order) {
        case detail::KeyOrder::Numeric: return source::version_less(a, b);
        case detail::KeyOrder::NumberedName: {
            auto [a_number, a_rest] = split_number(a);
            auto [b_number, b_rest] = split_number(b);
            if (source::version_less(a_number, b_number)) return true;
            if (source::version_less(b_number, a_number)) return false;
            return a_rest < b_rest;
        }
        case detail::KeyOrder::Text:
        case detail::KeyOrder::Plan: return a < b;
    }
    return a < b;
}

bool same_key(Tool tool, std::string_view a, std::string_view b) {
    if (spec(tool).key_order == detail::KeyOrder::Numeric)
        return !key_less(tool, a, b) && !key_less(tool, b, a);
    return a == b;
}

std::optional<bool> checksum_matches(Tool tool, const HistoryRow& row, const std::string& bytes) {
    const auto& s = spec(tool);
    if (s.checksum_matches == nullptr) return std::nullopt;
    return s.checksum_matches(row, bytes);
}

}  // namespace pgsafe::adopt

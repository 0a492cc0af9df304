#pragma once
// What pgsafe knows of one migration tool, as data: where its history is,
// what shape that table has, how a row becomes a HistoryRow, how a file is
// keyed, and which advisory lock the tool takes. One file per tool
// (flyway.cpp, golang_migrate.cpp …) defines its spec; tools.cpp lists them.

#include "pgsafe/adopt/history.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::adopt::detail {

// How the tool orders its keys: as numbers part by part ("1.2" < "1.10"),
// as text (Prisma's folder names), by the leading number then the rest
// (node-pg-migrate's names), or by the plan (Sqitch: the order of the files).
enum class KeyOrder { Numeric, Text, NumberedName, Plan };

struct LockContext {
    std::string database;
    std::string schema;
    std::string table;
};

struct ToolSpec {
    Tool tool;
    const char* name;
    std::vector<std::string> default_tables;  // the first that exists is read
    std::vector<std::string> required_columns;
    std::vector<std::string> foreign_columns;  // a column that says the table is another tool's
    const char* order_by;                      // the tool's own order of its rows
    KeyOrder key_order = KeyOrder::Numeric;
    // The rows that say a migration is applied, in order; failures in the tool's words.
    void (*read)(const nlohmann::json& rows, History& history) = nullptr;
    std::string (*file_key)(const source::MigrationFile& file) = nullptr;
    // nullopt: no checksum kept for this row.
    std::optional<bool> (*checksum_matches)(const HistoryRow& row, const std::string& bytes) = nullptr;
    std::optional<long long> (*lock_key)(const LockContext& where) = nullptr;
    bool baseline_only = false;  // Rails, Django: no SQL files; the history is adopted as a baseline
    // The query returning the rows as one JSON array (text); nullptr: every
    // column of `table`, in order_by's order.
    std::string (*rows_sql)(const std::string& table) = nullptr;
};

const ToolSpec& spec(Tool tool);

extern const ToolSpec k_flyway;
extern const ToolSpec k_golang_migrate;
extern const ToolSpec k_goose;
extern const ToolSpec k_dbmate;
extern const ToolSpec k_diesel;
extern const ToolSpec k_sqlx;
extern const ToolSpec k_prisma;
extern const ToolSpec k_node_pg_migrate;
extern const ToolSpec k_popx;
extern const ToolSpec k_sqitch;
extern const ToolSpec k_rails;
extern const ToolSpec k_django;

// Shared helpers for the specs.
std::string text_of(const nlohmann::json& value);            // a JSON scalar as text ("" for null)
std::string version_key(const source::MigrationFile& file);  // the file's version as discovery read it
std::string file_stem(const source::MigrationFile& file);    // "1_init" for 1_init.sql and 1_init.up.sql
// The folder's name when the file is `<folder>/<leaf>` (Diesel's up.sql, Prisma's migration.sql).
std::optional<std::string> folder_of(const source::MigrationFile& file, const char* leaf);

}  // namespace pgsafe::adopt::detail

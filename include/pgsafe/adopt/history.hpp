#pragma once
// Another migration tool's history, as pgsafe reads it to take it over
// (`pgsafe adopt`, docs/adopt.md): which tools, where each keeps its
// history, how a history row names a migration file, the checksum the tool
// stored, and the states in which the tool itself would refuse to go on.
// Reading never writes to the tool's table.

#include "pgsafe/db/connection.hpp"
#include "pgsafe/source/migration.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::adopt {

enum class Tool {
    Flyway,
    GolangMigrate,
    Goose,
    Dbmate,
    Diesel,
    Sqlx,
    Prisma,
    NodePgMigrate,
    Popx,
    Sqitch,
    Rails,
    Django,
};

// "flyway", "golang-migrate", … as --from spells them.
const char* tool_name(Tool tool);
std::optional<Tool> tool_from_name(std::string_view name);
// Rails and Django: no SQL files, so their history is adopted as a baseline.
bool adopted_as_baseline(Tool tool);
// Every tool, in --from's order.
const std::vector<Tool>& all_tools();

// One row of the tool's history, in the tool's own terms.
struct HistoryRow {
    std::string key;   // what the tool matches a file by: "1.2", "20240101120000", "20240101_init"
    std::string name;  // description or migration name where the tool keeps one
    std::optional<std::string> checksum;  // as the tool stored it (Flyway's int as text, hex for the others)
    // The row stands for every file up to its key (golang-migrate's one row, Flyway's baseline).
    bool covers_earlier = false;
    bool needs_file = true;  // false for a Flyway baseline, which ran no file
    nlohmann::json row;      // the row exactly as the tool wrote it
};

struct History {
    Tool tool = Tool::Flyway;
    std::string table;  // "public.flyway_schema_history" (for Sqitch: the registry schema, "sqitch")
    bool exists = false;
    std::vector<HistoryRow> applied;  // rows that say a migration is applied, in the tool's order
    // A state in which the tool itself stops (dirty, failed, unfinished), in its own words.
    std::vector<std::string> failures;
    nlohmann::json rows = nlohmann::json::array();  // every row as stored, for the record and coexistence
};

// Reads the history of `tool` from `table` ("" = the tool's default; Flyway
// also looks for its pre-5 "schema_version"). Read-only. Throws
// pgsafe::Error (Usage) when the table has another tool's shape.
History read_history(db::Connection& connection, Tool tool, const std::string& table);

// The table read_history would read ("" when it does not exist): for coexistence.
std::string resolve_history_table(db::Connection& connection, Tool tool, const std::string& table);

// The tool's rows as stored, in a stable order (what coexistence compares).
nlohmann::json history_rows(db::Connection& connection, Tool tool, const std::string& table);

// The advisory lock key the tool takes for `table` in the connected
// database (Flyway, golang-migrate, goose, sqlx, Prisma, Rails,
// node-pg-migrate, Sqitch); nullopt for tools that take none.
std::optional<long long> tool_lock_key(Tool tool, const std::string& database, const std::string& schema,
                                       const std::string& table);

// --- the tool's own rules, pure -------------------------------------------------

// The key the tool gives `file` (Flyway "1.2" for V1_2__x.sql, Prisma and
// node-pg-migrate the file or folder name, Diesel the folder's digits …).
std::string file_key(Tool tool, const source::MigrationFile& file);
// Whether two keys name the same migration for this tool.
bool same_key(Tool tool, std::string_view a, std::string_view b);
// Whether `a` sorts before `b` for this tool.
bool key_less(Tool tool, std::string_view a, std::string_view b);

// Whether the file's bytes on disk match the checksum the tool stored
// (nullopt: the tool keeps no checksum, or this row has none). `bytes` are
// the raw file bytes, not pgsafe's canonical text.
std::optional<bool> checksum_matches(Tool tool, const HistoryRow& row, const std::string& bytes);

// Flyway's checksum: CRC32 over each line's UTF-8 bytes, line endings and
// a leading BOM removed, as a signed 32-bit integer.
int flyway_checksum(std::string_view bytes);
// sqlx: SHA-384 of the file's bytes, lower-case hex.
std::string sqlx_checksum(std::string_view bytes);
// Prisma: SHA-256 hex of the bytes, of them with CRLF made LF, and with LF made CRLF.
std::vector<std::string> prisma_checksums(std::string_view bytes);
// Sqitch's script_hash: SHA-1 hex of the deploy script's bytes.
std::string sqitch_hash(std::string_view bytes);
// CRC-32 (IEEE 802.3, as zlib, Go's ChecksumIEEE and Java's CRC32).
unsigned int crc32(std::string_view bytes);

}  // namespace pgsafe::adopt

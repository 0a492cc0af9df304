#pragma once
// Other migration tools' folder layouts: which files each tool reads, the
// part of each file it runs (goose, dbmate and node-pg-migrate keep Up and
// Down in one file), its version rules and its transaction markers. One
// discovery for every command; `auto` recognises the folder. docs/adopt.md
// describes each layout.

#include "pgsafe/source/migration.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::source {

enum class Layout {
    Auto,  // recognise the folder (detect_layout)
    Pgsafe,
    Flyway,
    GolangMigrate,
    Goose,
    Dbmate,
    Diesel,
    Sqlx,
    Prisma,
    NodePgMigrate,
    Popx,
    Sqitch,  // sqitch.plan's changes, deploy/<change>.sql each, numbered in plan order
};

// "auto", "pgsafe", "flyway", "golang-migrate", "goose", "dbmate", "diesel",
// "sqlx", "prisma", "node-pg-migrate", "popx", "sqitch": the names pgsafe.toml's `layout` takes.
const char* layout_name(Layout layout);
std::optional<Layout> layout_from_name(std::string_view name);
const std::vector<std::string_view>& layout_names();

// What `auto` chose for a folder, and the evidence (for `-v`):
// {Goose, "12 files with a \"-- +goose Up\" line"}.
struct DetectedLayout {
    Layout layout = Layout::Pgsafe;
    std::string reason;
};

// The layout a folder is in: pgsafe's own unless the folder holds something
// only another tool writes (Diesel or Prisma migration directories, Flyway
// R__/U files or .sql.conf sidecars, popx dialect files, goose, dbmate or
// node-pg-migrate section markers, sqlx's `-- no-transaction`, goose .go
// migrations, Sqitch's sqitch.plan). Throws pgsafe::Error (Usage) listing the candidates when the
// folder holds marks of more than one tool.
DetectedLayout detect_layout(const std::filesystem::path& dir);

// A file the tool would run that pgsafe cannot (a goose .go migration, a
// node-pg-migrate .js migration), with why.
struct RefusedFile {
    std::filesystem::path path;
    std::string reason;
};

// What the layout's tool does with a file's statements: run them in one
// transaction it opens around the file (the default of most tools), or
// without one (goose `NO TRANSACTION`, Diesel `run_in_transaction = false`,
// …, `marker` as written). pgsafe's steps are the same either way: every
// statement outside the file's own BEGIN … COMMIT is a step of its own,
// never wrapped with another (docs/adopt.md, "Transactions").
struct ToolTransaction {
    bool wrapped = true;
    std::string marker;  // "" when the file has none
};

struct Discovery {
    Layout layout = Layout::Pgsafe;  // never Auto
    std::string reason;              // why auto chose it; "" when it was configured
    std::vector<MigrationFile> files;
    std::vector<ToolTransaction> transactions;  // one per file, same order
    std::vector<RefusedFile> refused;
};

// The migrations of `dir` as the layout's tool reads them, in its apply
// order (Auto: the layout detect_layout finds). Throws pgsafe::Error (Usage)
// naming every file that breaks the tool's rules (a name that fits no pattern,
// a duplicate version, a Down section before Up, an unknown sidecar key …).
// Files the tool runs but pgsafe cannot are in `refused`, not thrown.
Discovery discover(const std::filesystem::path& dir, Layout layout);

// The migrations `migrate`, `plan` and `status` run: discover(), and a Usage
// error listing the refused files when there are any (nothing runs without them).
std::vector<MigrationFile> discover_migrations(const std::filesystem::path& dir, Layout layout);

// One file read as `layout` reads it (sections, markers), for a file named on
// the command line; Pgsafe and Auto read it whole, as read_migration does.
MigrationFile read_layout_file(const std::filesystem::path& path, Layout layout);

// How the layout's own tool creates a migration ("goose create NAME sql"),
// for `pgsafe new` in a folder whose files need what pgsafe's plain file
// names cannot give (Up/Down sections, a directory per migration, a plan
// entry); "" for layouts whose files pgsafe new writes (pgsafe, Flyway,
// golang-migrate, sqlx, popx).
std::string new_migration_command(Layout layout);

// "-- no transaction" and the like, as a tool writes them into a file.
// The Up section of a goose, dbmate or node-pg-migrate file.
struct Section {
    std::size_t begin = 0;  // byte offset of the Up marker's line (0 for a whole file)
    std::size_t end = 0;    // byte offset of the Down marker's line, or the file's size
    bool no_transaction = false;
    std::string marker;  // the transaction marker as written, "" when none
};

// The Up section of a file's canonical text as the layout's tool finds it.
// Throws pgsafe::Error (Usage) "path: <the tool's complaint>" where the tool
// refuses the file. Layouts without sections give the whole text.
Section up_section(const std::string& text, Layout layout, const std::filesystem::path& path);

}  // namespace pgsafe::source

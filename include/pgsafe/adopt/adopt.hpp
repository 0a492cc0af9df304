#pragma once
// `pgsafe adopt` and `pgsafe baseline`: take over another tool's history
// without running anything again. The old tool's rows are matched to the
// migration files by that tool's own rules (history.hpp), checked (its
// checksums, its failed states, rows without files, files skipped), and
// the matched files are recorded in pgsafe.migrations as `adopted`, with
// the old row, in one transaction recorded as an event. The old tool's
// table is only ever read.

#include "pgsafe/adopt/history.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::adopt {

struct AdoptOptions {
    std::optional<Tool> tool;  // nullopt: `pgsafe baseline`
    std::string table;         // --table ("" = the tool's default)
    std::string conninfo;
    bool dry_run = false;
    std::vector<std::string> accept_changed;  // files (path, file name or version) whose checksum may differ
    bool allow_missing = false;
    std::optional<std::string> baseline;  // `pgsafe baseline VERSION`
};

// What pgsafe already has for a version (applied or adopted, and its checksum; other states too).
struct Recorded {
    std::string version;
    std::string checksum;
    bool applied = false;
};

struct AdoptedFile {
    const source::MigrationFile* file = nullptr;
    std::string key;                // the old tool's key for the file
    std::optional<HistoryRow> row;  // the row that says it ran (the covering row for golang-migrate)
    std::string check;              // "checksum verified", "no checksum kept", "changed: accepted", …
    // What pgsafe records as the checksum; "" = the file's. A Flyway repeatable
    // that changed since Flyway last ran it keeps that run's ("flyway:<crc32>"),
    // so `pgsafe migrate` runs it again, as Flyway would.
    std::string recorded_checksum;
};

struct AdoptionPlan {
    std::vector<AdoptedFile> adopt;                     // recorded as adopted, in apply order
    std::vector<const source::MigrationFile*> already;  // pgsafe has them already
    std::vector<const source::MigrationFile*> pending;  // newer than the history: migrate runs them
    std::vector<Refusal> problems;                      // any stops the adoption
    std::vector<std::string> notes;                     // accepted changes, allowed gaps
    std::optional<std::string> baseline;  // the version pgsafe starts after (Rails, Django, baseline)
};

// Pure: matches `history` against `files` (in apply order) and what pgsafe has recorded.
AdoptionPlan match_history(const std::vector<source::MigrationFile>& files, const History& history,
                           const std::vector<Recorded>& recorded, const AdoptOptions& options);

// Pure: `pgsafe baseline VERSION`: every file up to VERSION is adopted.
AdoptionPlan plan_baseline(const std::vector<source::MigrationFile>& files, const std::string& version,
                           const std::vector<Recorded>& recorded);

struct AdoptResult {
    std::string database;  // user@host:port/db
    std::optional<History> history;
    AdoptionPlan plan;
    std::string sql;                // exactly what is (or, with --dry-run, would be) recorded
    bool recorded = false;          // false with --dry-run
    bool creates_tracking = false;  // the tracking schema is created or upgraded first
};

// Reads, matches and (unless dry_run) records, holding pgsafe's runner lock.
// Throws pgsafe::Error: Usage (no such table, another tool's table, bad
// version), RefusedError (every problem found; nothing is written),
// Database, LockTimeout.
AdoptResult adopt(const std::vector<source::MigrationFile>& files, const AdoptOptions& options);

// The result for people, and as JSON.
std::string adopt_text(const AdoptResult& result);
nlohmann::json adopt_json(const AdoptResult& result);

}  // namespace pgsafe::adopt

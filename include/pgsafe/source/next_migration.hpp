#pragma once
// What `pgsafe new NAME` calls the next migration of a folder: the same
// layout as the files already there, the next version after the highest one.
// Pure: the caller lists the folder and reads the clock.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::source {

struct NewMigration {
    std::string file_name;  // "V11__add_users.sql", "0004_add_users.up.sql", "20261201044800_add_users.sql"
    std::string version;    // "11", "0004", "20261201044800"
    std::string name;       // "add_users"
};

// Throws pgsafe::Error (Usage) unless `name` is a slug every layout can hold
// and parse back: an ASCII letter, then letters, digits, '_' or '-', no "__",
// at most 100 characters ("add_users", "AddUsers", "drop-legacy-ids").
void require_migration_slug(std::string_view name);

// The migration called `name` that comes after every migration among
// `existing` (file names in the folder; names that are not migrations are
// ignored, .down.sql files count for their version).
// - Layout: the one of the highest version's file (V<v>__<name>.sql,
//   <digits>_<name>.sql or <digits>_<name>.up.sql); V<v>__<name>.sql for an
//   empty folder, version 1.
// - Version: when the highest is a UTC timestamp (YYYYMMDDHHMMSS) it is
//   `now`'s timestamp, or the highest plus one second when `now` is not later;
//   otherwise the highest plus one, keeping its width ("0009" -> "0010") and,
//   for dotted Flyway versions, its leading parts ("1.2.9" -> "1.2.10").
// Throws pgsafe::Error (Usage) for a bad slug (require_migration_slug).
NewMigration next_migration(const std::vector<std::string>& existing, std::string_view name,
                            std::chrono::system_clock::time_point now);

// The comment the new file starts with: what it is, when it was made, and
// what pgsafe does with it.
std::string new_migration_header(const NewMigration& migration, std::chrono::system_clock::time_point now);

}  // namespace pgsafe::source

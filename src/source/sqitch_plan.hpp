#pragma once
// Sqitch's plan file (sqitch.plan), read for the `sqitch` layout: the
// changes it deploys, in its order. docs/adopt.md, "Sqitch".

#include <filesystem>
#include <string>
#include <vector>

namespace pgsafe::source::detail {

struct SqitchChange {
    std::string name;  // "users": its deploy script is deploy/users.sql
    std::size_t line = 0;
};

// The changes of `text` (sqitch.plan's bytes) in deploy order. Pragmas
// (%syntax-version=…), tags (@v1.0), comments and blank lines are skipped.
// What pgsafe does not read is added to `problems` as "path:line: …": a
// reworked change (a name planned twice, deployed from deploy/<name>@<tag>.sql
// before the rework) and a revert entry ("-name").
std::vector<SqitchChange> read_sqitch_plan(const std::string& text, const std::filesystem::path& path,
                                           std::vector<std::string>& problems);

}  // namespace pgsafe::source::detail

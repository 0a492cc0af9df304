// Matching another tool's history to the migration files, by that tool's
// rules, and everything that must stop an adoption before it writes: the
// tool's own failed states, checksums that no longer match, rows with no
// file, files the tool skipped, and versions pgsafe already recorded
// differently. Pure: the rows, files and raw bytes come in as values
// (the bytes are read once per matched file).

#include "pgsafe/adopt/adopt.hpp"

#include "pgsafe/source/migration.hpp"
#include "pgsafe/source/repeatable.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::adopt {
namespace {

bool accepted(const AdoptOptions& options, const source::MigrationFile& file) {
    for (const auto& a : options.accept_changed)
        if (a == file.path.string() || a == file.path.filename().string() || a == file.version ||
            std::filesystem::path(a).lexically_normal() == file.path.lexically_normal())
            return true;
    return false;
}

const Recorded* recorded_for(const std::vector<Recorded>& recorded, const std::string& version) {
    for (const auto& r : recorded)
        if (!source::version_less(r.version, version) && !source::version_less(version, r.version)) return &r;
    return nullptr;
}

// A file pgsafe has recorded already: nothing to adopt, or a conflict.
bool settle_recorded(AdoptionPlan& plan, const std::vector<Recorded>& recorded,
                     const source::MigrationFile& file) {
    const Recorded* r = recorded_for(recorded, file.version);
    if (r == nullptr) return false;
    if (r->applied && (file.has_checksum(r->checksum) || source::is_repeatable(file.version))) {
        plan.already.push_back(&file);
    } else {
        plan.problems.push_back(
            {"adopt-conflict",
             fmt::format("{}: pgsafe has already recorded migration {} ({}, checksum {})", file.path.string(),
                         file.version, r->applied ? "applied" : "not finished", r->checksum),
             "look at `pgsafe status`; adopt takes over only what pgsafe has not recorded", file.version});
    }
    return true;
}

void add_failures(AdoptionPlan& plan, const History& history) {
    for (const auto& failure : history.failures)
        plan.problems.push_back({"old-tool-failed",
                                 fmt::format("{} ({}): {}", history.table, tool_name(history.tool), failure),
                                 fmt::format("resolve it with {} as it says, then run pgsafe adopt again",
                                             tool_name(history.tool)),
                                 std::nullopt});
}

// The row that says `file` ran: its own, or one that covers every earlier
// version (golang-migrate's one row, Flyway's baseline). `exact` when the
// row ran this very file.
const HistoryRow* row_for(Tool tool, const History& history, const std::string& key, bool& exact) {
    for (const auto& row : history.applied)
        if (same_key(tool, row.key, key)) {
            exact = row.needs_file;
            return &row;
        }
    exact = false;
    for (const auto& row : history.applied)
        if (row.covers_earlier && key_less(tool, key, row.key)) return &row;
    return nullptr;
}

// A file's check against the checksum the tool stored.
void verify(AdoptionPlan& plan, Tool tool, const HistoryRow& row, AdoptedFile& adopted,
            const AdoptOptions& options) {
    const auto& file = *adopted.file;
    auto ok = row.checksum ? checksum_matches(tool, row, source::read_file(file.path)) : std::nullopt;
    if (!ok) {
        adopted.check = "no checksum kept";
    } else if (*ok) {
        adopted.check = fmt::format("{} checksum verified", tool_name(tool));
    } else if (source::is_repeatable(file.version) && !accepted(options, file)) {
        // Not a problem: the tool would run a changed repeatable again, and so will pgsafe.
        adopted.check =
            fmt::format("changed since {} last ran it: pgsafe migrate runs it again", tool_name(tool));
        adopted.recorded_checksum = fmt::format("{}:{}", tool_name(tool), *row.checksum);
    } else if (accepted(options, file)) {
        adopted.check = fmt::format("changed since {} ran it: accepted", tool_name(tool));
        plan.notes.push_back(
            fmt::format("{}: changed since {} ran it (checksum {}); adopted as it is now "
                        "(--accept-changed)",
                        file.path.string(), tool_name(tool), *row.checksum));
    } else {
        plan.problems.push_back(
            {"changed-since-run",
             fmt::format(
                 "{}: changed since {} ran it: the checksum it recorded ({}) does not match the file now",
                 file.path.string(), tool_name(tool), *row.checksum),
             fmt::format("restore the file as it ran, or pass --accept-changed {} if the change is intended",
                         file.path.string()),
             file.version});
    }
}

}  // namespace

AdoptionPlan match_history(const std::vector<source::MigrationFile>& files, const History& history,
                           const std::vector<Recorded>& recorded, const AdoptOptions& options) {
    AdoptionPlan plan;
    Tool tool = history.tool;
    add_failures(plan, history);
    if (adopted_as_baseline(tool)) {
        // No SQL files to match: pgsafe starts after the whole history.
        std::string top;
        for (const auto& row : history.applied)
            if (top.empty() || key_less(tool, top, row.key)) top = row.key;
        if (!top.empty()) plan.baseline = top;
        for (const auto& f : files)
            if (!settle_recorded(plan, recorded, f)) plan.pending.push_back(&f);
        return plan;
    }

    std::vector<const HistoryRow*> used;
    std::ptrdiff_t last_ran = -1;
    std::vector<std::optional<AdoptedFile>> found(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        std::string key = file_key(tool, files[i]);
        bool exact = false;
        const HistoryRow* row = row_for(tool, history, key, exact);
        if (row == nullptr) continue;
        AdoptedFile adopted{&files[i], key, *row, exact ? "" : fmt::format("covered by version {}", row->key),
                            ""};
        if (exact) used.push_back(row);
        found[i] = std::move(adopted);
        // A repeatable that never ran is simply pending: it has no place among the versions.
        if (!source::is_repeatable(files[i].version)) last_ran = static_cast<std::ptrdiff_t>(i);
    }
    // Rows that ran a file the folder no longer has.
    for (const auto& row : history.applied) {
        if (!row.needs_file || std::find(used.begin(), used.end(), &row) != used.end()) continue;
        std::string what = fmt::format("{} row {}{} has no migration file", tool_name(tool), row.key,
                                       row.name.empty() || row.name == row.key ? "" : " (" + row.name + ")");
        if (options.allow_missing)
            plan.notes.push_back(what + " (--allow-missing: recorded with the adoption only)");
        else
            plan.problems.push_back({"history-without-file", fmt::format("{}: {}", history.table, what),
                                     "restore the file, or pass --allow-missing to adopt without it",
                                     row.key});
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& f = files[i];
        if (!found[i]) {
            if (static_cast<std::ptrdiff_t>(i) < last_ran) {
                std::string what =
                    fmt::format("{}: {} never ran it, but it is older than {}, which ran", f.path.string(),
                                tool_name(tool), files[static_cast<std::size_t>(last_ran)].path.string());
                if (options.allow_missing)
                    plan.notes.push_back(what +
                                         " (--allow-missing: not adopted; migrate refuses it as out of "
                                         "order until you decide)");
                else
                    plan.problems.push_back(
                        {"file-without-history", what,
                         "run it with the old tool first, delete it, or pass --allow-missing", f.version});
                continue;
            }
            if (!settle_recorded(plan, recorded, f)) plan.pending.push_back(&f);
            continue;
        }
        if (settle_recorded(plan, recorded, f)) continue;
        AdoptedFile adopted = std::move(*found[i]);
        if (adopted.check.empty()) verify(plan, tool, *adopted.row, adopted, options);
        plan.adopt.push_back(std::move(adopted));
    }
    return plan;
}

AdoptionPlan plan_baseline(const std::vector<source::MigrationFile>& files, const std::string& version,
                           const std::vector<Recorded>& recorded) {
    AdoptionPlan plan;
    plan.baseline = version;
    for (const auto& f : files) {
        if (settle_recorded(plan, recorded, f)) continue;
        if (source::version_less(version, f.version))
            plan.pending.push_back(&f);
        else
            plan.adopt.push_back({&f, f.version, std::nullopt, "baseline", ""});
    }
    return plan;
}

}  // namespace pgsafe::adopt

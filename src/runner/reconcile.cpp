// Files against the tracking tables: the checks that must pass before
// anything runs, and the list of migrations to run, in order.

#include "reconcile.hpp"

#include "repeatables.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/sql/parse.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

// The highest version ever started (applied, failed or running).
const TrackedMigration* highest(const Tracking& tracking) {
    const TrackedMigration* top = nullptr;
    for (const auto& m : tracking.migrations)
        if (!source::is_repeatable(m.version) &&
            (top == nullptr || source::version_less(top->version, m.version)))
            top = &m;
    return top;
}

// A file with no statement: blank, or only comments (a placeholder such as
// popx's "This blank migration was generated …" or "-- NO-OP"). Running it
// again changes nothing, and real histories hold many identical ones.
bool has_no_statement(const std::string& text) {
    sql::ParsedFile parsed = sql::parse_sql(text, sql::ParseOptions{sql::KeepTree::No});
    return parsed.ok() && parsed.statements.empty();
}

// An applied migration with the same content as `file` (not a file with no
// statement, which any placeholder shares).
// The checksum is compared first, so only a file that matches is parsed.
const TrackedMigration* applied_with_content(const Tracking& tracking, const source::MigrationFile& file) {
    for (const auto& m : tracking.migrations)
        if (m.state == TrackedState::Applied && file.has_checksum(m.checksum))
            return has_no_statement(file.text) ? nullptr : &m;
    return nullptr;
}

}  // namespace

void require_version(const std::vector<source::MigrationFile>& files, const std::optional<std::string>& to) {
    if (!to) return;
    for (const auto& f : files)
        if (f.version == *to) return;
    throw Error(ErrorKind::Usage, fmt::format("--to {}: no migration has this version", *to));
}

Reconciled reconcile(const std::vector<source::MigrationFile>& files, const Tracking& tracking,
                     const ReconcileOptions& options) {
    require_version(files, options.to);
    Reconciled out;
    out.files = &files;
    const TrackedMigration* top = highest(tracking);
    for (const auto& file : files) {
        if (source::is_repeatable(file.version)) continue;  // add_repeatables, after the versioned ones
        const TrackedMigration* tracked = tracking.find(file.version);
        bool in_range = !options.to || !source::version_less(*options.to, file.version);
        if (tracked != nullptr && tracked->state == TrackedState::Applied) {
            if (!file.has_checksum(tracked->checksum))
                out.refusals.push_back(
                    {"drift",
                     fmt::format(
                         "{}: applied migration {} has changed since it ran (drift): applied checksum "
                         "{}, file now {}",
                         file.path.string(), file.version, tracked->checksum, file.checksum),
                     "restore the file, or write a new migration for the change", file.version});
            continue;
        }
        if (tracked != nullptr && tracked->version != file.version) {
            // Tracked under another spelling of its version, and not finished:
            // the run's records are under that spelling.
            out.refusals.push_back(
                {"renamed-version",
                 fmt::format("{}: migration {} is recorded as version {} ({}), which has not finished",
                             file.path.string(), file.version, tracked->version,
                             tracked_state_name(tracked->state)),
                 fmt::format("rename the file back to version {} and run again", tracked->version),
                 file.version});
            continue;
        }
        if (tracked == nullptr && !options.allow_same_content) {
            // Only a copy of the latest migration: a history that adds, drops and adds back the
            // same column repeats an earlier file's bytes on purpose, and psql runs it (the replay
            // of trigger-dev's `add_back_prepare_to_job_version`).
            const TrackedMigration* same = applied_with_content(tracking, file);
            if (same != nullptr && same == top) {
                out.refusals.push_back(
                    {"same-as-applied",
                     fmt::format("{}: pending migration {} has the same content ({}) as applied migration {} "
                                 "({}): a re-versioned copy would run it a second time",
                                 file.path.string(), file.version, file.checksum, same->version, same->name),
                     "remove the file or give it back its version, or pass --allow-same-content if running "
                     "the "
                     "same SQL again is intended",
                     file.version});
                continue;
            }
        }
        if (tracked == nullptr && top != nullptr && source::version_less(file.version, top->version) &&
            !options.allow_out_of_order) {
            out.refusals.push_back(
                {"out-of-order",
                 fmt::format("{}: migration {} sorts before {}, which has already run (out of order)",
                             file.path.string(), file.version, top->version),
                 "renumber it, or pass --allow-out-of-order", file.version});
            continue;
        }
        if (!in_range) continue;
        // A failed or dead run of a changed file is replanned; of the same file, resumed.
        Action action = tracked == nullptr                     ? Action::Start
                        : file.has_checksum(tracked->checksum) ? Action::Resume
                                                               : Action::RetryChanged;
        out.work.push_back({&file, action, tracked});
    }
    add_repeatables(files, tracking, out);  // Flyway R__ files: last, when their checksum changed
    if (!out.refusals.empty()) out.work.clear();
    return out;
}

}  // namespace pgsafe::runner

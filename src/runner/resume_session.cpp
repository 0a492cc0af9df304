// What a resumed migration needs of the session its earlier run had: the
// settings its completed steps made (applied again before the rest), and
// the temporary objects they created (a resume that needs one is refused).

#include "resume_session.hpp"

#include "pgsafe/plan/session_state.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {
namespace {

// The first step still to run; 0 when every step is applied.
int next_step(const std::vector<StoredStep>& steps) {
    for (const auto& s : steps)
        if (s.state != StepState::Applied) return s.number;
    return 0;
}

std::string step_at(const source::MigrationFile& file, const StoredStep& step) {
    return step.line > 0 ? fmt::format("step {} ({}:{})", step.number, file.path.string(), step.line)
                         : fmt::format("step {}", step.number);
}

Refusal lost(const source::MigrationFile& file, const std::vector<StoredStep>& steps,
             const plan::TemporarySpan& t, int next) {
    const StoredStep& created = steps.at(static_cast<std::size_t>(t.created) - 1);
    return Refusal{
        "session-state-lost",
        fmt::format("{}: migration {} cannot be resumed at step {}: {} \"{}\", created by {}, is used up "
                    "to step {}, and it died with the session of the run that stopped; the remaining "
                    "steps would fail without it (or use another object of that name); nothing of it ran",
                    file.path.string(), file.version, next, t.what, t.name, step_at(file, created),
                    t.last_use),
        fmt::format("finish the migration by hand: in one session, run the file from {} to its end, then "
                    "record migration {} as applied in pgsafe.migrations; or restore the database from "
                    "before the migration. (psql could not rerun this file either: it starts again from "
                    "the top.) `pgsafe plan` marks the steps a kill may not fall between",
                    step_at(file, created), file.version),
        file.version};
}

}  // namespace

ResumedSession resumed_session(const source::MigrationFile& file, const std::vector<StoredStep>& steps) {
    int next = next_step(steps);
    if (next <= 1) return {};  // nothing ran yet, or nothing is left to run
    std::vector<std::string> sql;
    sql.reserve(steps.size());
    for (const auto& s : steps) sql.push_back(s.sql);
    plan::SessionState state = plan::session_state(sql);
    ResumedSession out;
    if (auto t = plan::lost_temporary(state, next)) {
        out.refusal = lost(file, steps, *t, next);
        return out;
    }
    out.restore_sql = plan::settings_before(state, next);
    return out;
}

}  // namespace pgsafe::runner

// The order of a trace: every migration as written on one database and, with
// --plan, its plan on a copy; after each migration the two end states are
// compared. Then what should fail the run: large tables locked against
// writes, model mismatches, plans that do not end like the file.

#include "pgsafe/trace/trace.hpp"

#include "pgsafe/error.hpp"
#include "pgsafe/sql/position.hpp"
#include "pgsafe/trace/catalog.hpp"
#include "session.hpp"

#include <fmt/format.h>

#include <optional>

namespace pgsafe::trace {
namespace {

// Ending::Rollback cannot undo what runs outside a transaction: refuse it
// before anything runs, naming the first such statement.
void refuse_outside_statements(const std::vector<MigrationToTrace>& migrations) {
    for (const auto& m : migrations) {
        sql::LineIndex lines(m.parsed.text);
        for (const auto& statement : m.parsed.statements) {
            if (!analysis::statement_effects(statement).outside_transaction &&
                statement.outside_transaction_block.empty())
                continue;
            sql::Position p = lines.position(statement.span.begin);
            throw Error(ErrorKind::Usage,
                        fmt::format("{}:{}:{}: this statement cannot run inside a transaction, so tracing it "
                                    "with --db would change the database for good; add --commit to run it "
                                    "for real, or trace without --db (a throwaway server)",
                                    m.path, p.line, p.column));
        }
    }
}

PlanTrace compare_plan(TracedRun plan_run, const TracedRun& original, Session& as_written, Session& planned) {
    PlanTrace out;
    out.run = std::move(plan_run);
    if (original.failure || out.run.failure) {
        out.equivalent = static_cast<bool>(original.failure) == static_cast<bool>(out.run.failure);
        if (!out.equivalent)
            out.diff.push_back(original.failure
                                   ? "the file as written failed on the server, the plan did not"
                                   : "the plan failed on the server, the file as written did not");
        return out;
    }
    out.diff = diff_lines(compare_descriptions(as_written.describe(), planned.describe()));
    out.equivalent = out.diff.empty();
    return out;
}

}  // namespace

TraceReport trace_migrations(const std::vector<MigrationToTrace>& migrations, const TraceTarget& target,
                             const TraceOptions& options) {
    if (options.ending == Ending::Rollback) refuse_outside_statements(migrations);
    TraceReport report;
    Session as_written(target.url, options);
    std::optional<Session> planned;
    if (!target.plan_url.empty()) planned.emplace(target.plan_url, options);
    report.server = as_written.server_version();
    if (options.ending == Ending::Rollback) as_written.begin_outer();
    for (const auto& m : migrations) {
        TracedMigration traced{m.version, m.name, m.path, as_written.run_file(m), std::nullopt};
        if (planned && m.plan && !m.plan->syntax_error)
            traced.plan = compare_plan(planned->run_plan(*m.plan), traced.original, as_written, *planned);
        bool failed = traced.original.failure || (traced.plan && traced.plan->run.failure);
        report.migrations.push_back(std::move(traced));
        if (failed) break;  // later migrations build on this one
    }
    if (options.ending == Ending::Rollback) {
        as_written.rollback_outer();
        report.rolled_back = true;
    }
    return report;
}

std::vector<std::string> trace_problems(const TraceReport& report) {
    std::vector<std::string> out;
    auto statements = [&](const TracedMigration& m, const TracedRun& run, const char* side) {
        for (const auto& s : run.statements) {
            for (const auto& lock : s.locks) {
                // The file as written decides: the plan's brief strong locks are shown beside it.
                if (!lock.large || *side != '\0') continue;
                out.push_back(fmt::format("{}:{}:{}{}: {} on {} ({}) held {:.0f} ms: writes to it wait",
                                          m.path, s.line, s.column, side, lock.mode, lock.relation,
                                          *lock.large, lock.held_ms.value_or(s.duration_ms)));
            }
            if (s.model.verdict == ModelVerdict::Mismatch) {
                std::string detail;
                for (const auto& d : s.model.disagreements) detail += (detail.empty() ? "" : "; ") + d;
                out.push_back(fmt::format("{}:{}:{}{}: model-mismatch: {} (the model says: {}); SQL: {}",
                                          m.path, s.line, s.column, side, detail, s.model.model, s.sql));
            }
        }
    };
    for (const auto& m : report.migrations) {
        statements(m, m.original, "");
        if (!m.plan) continue;
        statements(m, m.plan->run, " (plan)");
        if (!m.plan->equivalent)
            out.push_back(fmt::format("{}: the plan does not end like the file as written ({} differences)",
                                      m.path, m.plan->diff.size()));
    }
    return out;
}

bool trace_failed(const TraceReport& report) {
    for (const auto& m : report.migrations) {
        if (m.original.failure) return true;
    }
    return false;
}

}  // namespace pgsafe::trace

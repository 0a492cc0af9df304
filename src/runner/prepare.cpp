// Planning the pending files and lining up resumed ones. Every file is
// planned before anything runs, so a syntax error in the third migration
// stops the run before the first one starts.

#include "prepare.hpp"

#include "parse_ahead.hpp"
#include "repeatables.hpp"
#include "resume_check.hpp"
#include "resume_session.hpp"

#include "pgsafe/runner/limits.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>
#include <utility>

namespace pgsafe::runner {
namespace {

// The first syntax error's message, and its location as "path:line".
std::pair<Error, std::string> syntax_error(const plan::MigrationPlan& plan) {
    for (const auto& f : plan.findings) {
        if (f.rule != rules::rule_id::k_syntax_error) continue;
        auto at = sql::LineIndex(plan.text).position(f.span.begin);
        return {
            Error(ErrorKind::Parse, fmt::format("{}:{}:{}: {}", plan.path, at.line, at.column, f.message)),
            fmt::format("{}:{}", plan.path, at.line)};
    }
    return {Error(ErrorKind::Parse, fmt::format("{}: does not parse", plan.path)), ""};
}

std::vector<StoredStep> stored_steps(const plan::MigrationPlan& plan) {
    sql::LineIndex lines(plan.text);
    std::vector<StoredStep> out;
    for (std::size_t i = 0; i < plan.steps.size(); ++i)
        out.push_back(stored_step(plan.steps[i], static_cast<int>(i) + 1, lines));
    return out;
}

// The applied steps of a failed run must be the first steps of the new plan.
std::optional<std::string> applied_prefix_mismatch(const TrackedMigration& tracked,
                                                   const std::vector<StoredStep>& replanned) {
    for (const auto& s : tracked.steps) {
        if (s.state != StepState::Applied) continue;
        std::size_t i = static_cast<std::size_t>(s.number) - 1;
        if (i >= replanned.size() || replanned[i].sql != s.sql) return std::to_string(s.number);
    }
    return std::nullopt;
}

int applied_count(const TrackedMigration& tracked) {
    int n = 0;
    for (const auto& s : tracked.steps) {
        if (s.state != StepState::Applied) break;
        ++n;
    }
    return n;
}

// What the completed steps left in the killed or failed run's session
// (resume_session.hpp): settings to apply again, or a refusal.
bool resume_in_new_session(PreparedMigration& m, Prepared& out) {
    ResumedSession session = resumed_session(*m.file, m.steps);
    if (session.refusal) {
        out.refusals.push_back(*session.refusal);
        return false;
    }
    m.session_sql = session.restore_sql;
    return true;
}

// The steps and the tracking SQL that starts a planned migration `m` of
// `work`, with its plan record; false, with the refusal in `out`, when the
// applied steps of a failed run are not the first steps of the new plan.
bool set_up(PreparedMigration& m, const Work& work, const plan::MigrationPlan& plan,
            const std::vector<StoredStep>& all, const std::string& record, Prepared& out) {
    if (work.action == Action::Start) {
        m.fresh = true;
        m.steps = all;
        m.setup_sql = begin_migration_sql(plan, record) + "\n" + insert_steps_sql(plan.version, m.steps);
    } else if (work.action == Action::Rerun) {
        m.steps = all;
        m.setup_sql = rerun_repeatable_sql(plan, record, m.steps);
        m.action = Action::Start;  // from here on a fresh run: nothing of it ran before
    } else {
        if (auto step = applied_prefix_mismatch(*work.tracked, all)) {
            out.refusals.push_back(
                {"applied-steps-changed",
                 fmt::format("{}: migration {} failed after step {} was applied, and the file now plans "
                             "different SQL for that step",
                             work.file->path.string(), work.file->version, *step),
                 "undo the applied steps by hand or restore them in the file", work.file->version});
            return false;
        }
        int done = applied_count(*work.tracked);
        std::vector<StoredStep> rest(all.begin() + std::min<std::size_t>(all.size(), done), all.end());
        m.setup_sql =
            resume_migration_sql(plan.version) + "\n" + replace_unfinished_steps_sql(plan, record, rest);
        m.steps.assign(work.tracked->steps.begin(), work.tracked->steps.begin() + done);
        m.steps.insert(m.steps.end(), rest.begin(), rest.end());
        if (!resume_in_new_session(m, out)) return false;
    }
    return true;
}

// The run's first planned file, whose record gets the run's planning order once all are planned.
struct FirstPlanned {
    std::size_t index;  // in Prepared::migrations
    const Work* work;
    plan::MigrationPlan plan;
    std::vector<StoredStep> steps;
    nlohmann::json with;
};

// The texts of the files planned now (all but the resumed ones, which run
// their stored steps), in order, up to the first too large to plan (where
// planning stops).
std::vector<const std::string*> texts_to_plan(const Reconciled& todo) {
    std::vector<const std::string*> out;
    for (const auto& work : todo.work) {
        if (work.action == Action::Resume) continue;
        if (work.file->text.size() > k_max_planned_bytes) break;
        out.push_back(&work.file->text);
    }
    return out;
}

// `ahead`: the plans plan_files() made of the files to plan, in order; null: plan them now.
Prepared prepare_with(const Reconciled& todo, db::Connection& connection, const plan::PlanOptions& options,
                      LiveFacts& live, const std::vector<plan::MigrationPlan>* ahead) {
    Prepared out;
    std::size_t planned = 0;  // files planned so far (the index in `ahead`, or in `parsing`)
    std::optional<FirstPlanned> first;
    PlanProvenance provenance(options, live);
    std::unique_ptr<plan::Planner> planner;
    std::optional<ParseAhead> parsing;
    if (ahead == nullptr) parsing.emplace(texts_to_plan(todo));
    for (const auto& work : todo.work) {
        PreparedMigration m{work.file, work.action, "", "", {}, std::nullopt, {}};
        if (work.action == Action::Resume) {
            // The stored steps run only if they are what the file plans (resume_check.hpp).
            if (auto refused = check_resume(work, *todo.files, connection, options, live)) {
                out.refusals.push_back(*refused);
                return out;
            }
            m.steps = work.tracked->steps;
            m.setup_sql = resume_migration_sql(work.file->version);
            if (!resume_in_new_session(m, out)) return out;
            out.migrations.push_back(std::move(m));
            continue;
        }
        try {
            require_plannable(work.file->path.string(), work.file->text.size());
        } catch (const Error& e) {
            out.parse_error = e;
            out.parse_error_version = work.file->version;
            return out;
        }
        plan::MigrationPlan plan;
        if (ahead != nullptr) {
            plan = ahead->at(planned++);
        } else {
            if (!planner) planner = std::make_unique<plan::Planner>(options, live.get());
            plan = plan_file(*planner, *work.file, parsing->take(planned++));
        }
        if (plan.syntax_error) {
            auto [error, location] = syntax_error(plan);
            out.parse_error = error;
            out.parse_error_version = work.file->version;
            out.parse_error_location = location;
            return out;
        }
        m.risk = plan.risk;
        for (const auto& f : plan.findings) m.rules.insert(f.rule);
        std::vector<StoredStep> all = stored_steps(plan);
        nlohmann::json with = provenance.planned_with(work.file->text, all);
        bool first_planned = !first;
        provenance.planned(work.file->version);  // before the next file: its tables are new to that one
        if (!set_up(m, work, plan, all, plan_record(plan, all, with), out)) return out;
        if (first_planned)
            first.emplace(
                FirstPlanned{out.migrations.size(), &work, std::move(plan), std::move(all), std::move(with)});
        out.migrations.push_back(std::move(m));
    }
    if (first) {
        // The run's planning order, once, in the record of its first file (resume_check.hpp).
        PreparedMigration& m = out.migrations[first->index];
        m.action = first->work->action;
        set_up(m, *first->work, first->plan, first->steps,
               plan_record(first->plan, first->steps, provenance.with_run_order(std::move(first->with))),
               out);
    }
    return out;
}

}  // namespace

Prepared prepare(const Reconciled& todo, db::Connection& connection, const plan::PlanOptions& options) {
    LiveFacts live(connection);  // read when the first file is planned
    return prepare_with(todo, connection, options, live, nullptr);
}

std::vector<plan::MigrationPlan> plan_files(const Reconciled& todo, const analysis::TableFacts& facts,
                                            const plan::PlanOptions& options) {
    std::vector<plan::MigrationPlan> out;
    plan::Planner planner(options, facts);
    ParseAhead parsing(texts_to_plan(todo));  // every work is new here
    for (const auto& work : todo.work) {
        if (work.action != Action::Start)
            throw std::logic_error("plan_files: only new files are planned ahead");
        try {
            require_plannable(work.file->path.string(), work.file->text.size());
        } catch (const Error&) {
            return out;  // prepare() stops there
        }
        out.push_back(plan_file(planner, *work.file, parsing.take(out.size())));
        if (out.back().syntax_error) return out;  // prepare() stops there
    }
    return out;
}

Prepared prepare(const Reconciled& todo, db::Connection& connection, const plan::PlanOptions& options,
                 analysis::TableFacts facts, const std::vector<plan::MigrationPlan>& planned) {
    LiveFacts live(connection, std::move(facts));
    return prepare_with(todo, connection, options, live, &planned);
}

}  // namespace pgsafe::runner

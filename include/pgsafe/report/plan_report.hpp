#pragma once
// Plans for people (text), for machines (JSON), and as plain SQL for teams
// that run another tool. Pure: returns strings.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/policy/verdict.hpp"
#include "pgsafe/report/lint_report.hpp"

#include <string>
#include <vector>

namespace pgsafe::report {

// The policy's verdict on each plan (plan --env): one per plan, in order.
struct Verdicts {
    std::string environment;
    std::vector<policy::Verdict> per_plan;
    std::vector<std::string> notes;  // what the verdict could not know ("approvals not read: no --db")
};

// Per migration: risk, findings, the verdict when there is one (a line per
// reason), then numbered steps with lock, transaction boundary, timeouts,
// estimate and why.
std::string plan_text(const std::vector<plan::MigrationPlan>& plans, Color color,
                      const Verdicts* verdicts = nullptr);

// {"version":1,"migrations":[{"version","name","checksum","risk","findings","steps"}]},
// each migration with "verdict" when there is one (docs/policies.md "Verdict").
std::string plan_json(const std::vector<plan::MigrationPlan>& plans, const Verdicts* verdicts = nullptr);

// The first line of plan_markdown, so CI can find and update its one comment.
inline constexpr const char* k_plan_markdown_marker = "<!-- pgsafe plan -->";

// A pull-request comment: the marker, a table of migrations with risk,
// verdict and estimate, each migration's reasons and unlock commands, and its
// steps collapsed under <details>.
std::string plan_markdown(const std::vector<plan::MigrationPlan>& plans, const Verdicts* verdicts = nullptr);

// A migration's estimate: the sum of its steps', nullopt when one is unknown.
std::optional<double> plan_estimate(const plan::MigrationPlan& plan);
// "about 12 s", "under 1 s", "unknown".
std::string estimate_text(const std::optional<double>& seconds);

// One migration's steps as a SQL file another runner can execute: each
// transactional step in BEGIN … COMMIT with SET LOCAL lock_timeout and
// statement_timeout, each other step on its own with session timeouts.
std::string plan_sql(const plan::MigrationPlan& plan);

}  // namespace pgsafe::report

#pragma once
// Plans for people (text), for machines (JSON), and as plain SQL for teams
// that run another tool. Pure: returns strings.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/report/lint_report.hpp"

#include <string>
#include <vector>

namespace pgsafe::report {

// Per migration: risk, findings, then numbered steps with lock, transaction
// boundary, timeouts, estimate and why.
std::string plan_text(const std::vector<plan::MigrationPlan>& plans, Color color);

// {"version":1,"migrations":[{"version","name","checksum","risk","findings","steps"}]}
std::string plan_json(const std::vector<plan::MigrationPlan>& plans);

// One migration's steps as a SQL file another runner can execute: each
// transactional step in BEGIN … COMMIT with SET LOCAL lock_timeout and
// statement_timeout, each other step on its own with session timeouts.
std::string plan_sql(const plan::MigrationPlan& plan);

}  // namespace pgsafe::report

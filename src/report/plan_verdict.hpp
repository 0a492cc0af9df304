#pragma once
// Shared by the plan reports: the verdict as text lines and as JSON.

#include "pgsafe/report/plan_report.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace pgsafe::report {

// "  verdict in production: refused\n    needs-approval: …\n      unlock: …\n"
std::string verdict_text(const policy::Verdict& verdict, const std::string& environment);
// {"allowed","reasons":[{"code","message","unlock"}],"approvals":{"have","need"},"window","allowed_at"}
nlohmann::ordered_json verdict_json(const policy::Verdict& verdict);

}  // namespace pgsafe::report

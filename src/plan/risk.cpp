// Risk levels: what a finding means if its statement runs as written. A
// lock-related finding on a large or unknown table is a long lock (high); on
// a small table it is brief (medium); breaking and destructive changes are
// high; DROP DATABASE is critical; style is low. A DO block (or a function
// the migration calls) is rated by the findings on the SQL inside it; SQL it
// computes at run time (dynamic-sql) is high.

#include "planning.hpp"

#include "pgsafe/rules/rule.hpp"

namespace pgsafe::plan {

const char* risk_name(Risk risk) {
    switch (risk) {
        case Risk::Low: return "low";
        case Risk::Medium: return "medium";
        case Risk::High: return "high";
        case Risk::Critical: return "critical";
    }
    return "low";
}

namespace detail {

Risk finding_risk(const rules::Finding& finding) {
    if (finding.rule == rules::rule_id::k_ban_drop_database) return Risk::Critical;
    if (finding.rule == rules::rule_id::k_syntax_error) return Risk::High;
    if (finding.rule == rules::rule_id::k_foreign_key_without_index) return Risk::Medium;
    // An info finding, but the SQL it names may lock anything: as high as an unknown statement.
    if (finding.rule == rules::rule_id::k_dynamic_sql) return Risk::High;
    const rules::Rule* rule = rules::find_rule(finding.rule);
    if (rule == nullptr) return Risk::Low;
    switch (rule->info.group) {
        case rules::RuleGroup::Availability:
            return finding.severity == rules::Severity::Info ? Risk::Medium : Risk::High;
        case rules::RuleGroup::Correctness: return Risk::High;
        default: return Risk::Low;
    }
}

}  // namespace detail
}  // namespace pgsafe::plan

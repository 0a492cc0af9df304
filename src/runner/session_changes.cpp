// Which steps changed the session: a session-level SET or RESET, found by
// parsing the step's SQL, never by matching text.

#include "session_changes.hpp"

#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/session_effect.hpp"

#include <fmt/format.h>

namespace pgsafe::runner {

void SessionChanges::saw(const StepView& view) {
    if (!plan::any_word(view.sql, [](std::string_view w) { return w == "set" || w == "reset"; }))
        return;  // no SET or RESET in it (as a word, not in subject_set_id): no need to parse
    sql::ParsedFile parsed = sql::parse_sql(view.sql, {sql::KeepTree::No});
    if (!parsed.ok()) return;
    for (const auto& statement : parsed.statements) {
        const auto* set = std::get_if<sql::VariableSet>(&statement.detail);
        if (set == nullptr || !sql::session_level(*set)) continue;  // SET LOCAL, SET TRANSACTION: not kept
        std::string text = view.sql.substr(statement.span.begin, statement.span.end - statement.span.begin);
        m_changes.push_back(fmt::format("`{}` at {}", text, view.label));
        if (set->name == "default_transaction_read_only" || set->name == "session characteristics" ||
            set->name.empty())  // RESET ALL
            m_read_only = true;
    }
}

std::string SessionChanges::explain() const {
    if (m_changes.empty()) return "";
    return fmt::format(" (earlier in this run, a migration changed the session this runs in: {})",
                       fmt::join(m_changes, "; "));
}

}  // namespace pgsafe::runner

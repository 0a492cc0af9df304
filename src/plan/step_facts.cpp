// What a reviewer and the runner need to know about a step, from the lock
// model's effects of its units: a statement kept as written brings the
// effects lint computed for it; a statement a rewrite built is parsed once
// more (a plan never carries SQL that does not parse). Timeouts by class: online steps
// (VALIDATE, CONCURRENTLY) may wait longer for their lock and run unbounded,
// because neither blocks reads or writes; steps holding a lock that blocks
// writes get the short statement timeout. Estimates are rough: a scan at
// k_scan_bytes_per_s, a rewrite or index build at k_write_bytes_per_s.

#include "planning.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pgsafe::plan::detail {
namespace {

constexpr double k_scan_bytes_per_s = 200.0 * 1024 * 1024;
constexpr double k_write_bytes_per_s = 50.0 * 1024 * 1024;

std::string joined_sql(const Draft& draft) {
    std::string sql;
    for (const auto& placed : draft.units) {
        if (!sql.empty()) sql += ";\n";
        sql += placed.unit.sql;
    }
    return sql;
}

// Whether the run had created `relation` when the statement was planned.
bool created_then(const StatementPlan& statement, const sql::RelationName& relation,
                  const rules::PendingSet& pending) {
    return statement.created_tables.count(pending.key(relation)) > 0;
}

std::string qualified(const sql::RelationName& relation, bool created, const analysis::TableFacts& facts,
                      const rules::PendingSet& pending) {
    if (const auto* fact = facts.find(relation); fact != nullptr && !created)
        return fact->schema + "." + fact->name;
    return pending.key(relation);
}

// The table a batched step walks as a (schema, name) pair: the facts' spelling
// when they know it, else the statement's (public when unqualified).
Batch batch_of(const sql::RelationName& table, bool created, const BatchKey& key,
               const analysis::TableFacts& facts) {
    Batch b;
    if (const auto* fact = facts.find(table); fact != nullptr && !created) {
        b.schema = fact->schema;
        b.table = fact->name;
    } else {
        b.schema = table.schema.empty() ? "public" : table.schema;
        b.table = table.name;
    }
    b.key = key.columns;
    b.types = key.types;
    return b;
}

std::string why(const Draft& draft, const std::vector<StatementPlan>& statements) {
    if (draft.rule)
        return "statements that touch other tables run in their own transaction: no lock is held across them";
    if (draft.units.size() == 1) {
        const auto& placed = draft.units.front();
        if (!placed.unit.why.empty()) return placed.unit.why;
        return statements[placed.statement].found.empty() ? "as written"
                                                          : "as written: no safe form (see findings)";
    }
    const std::string kept = "kept as written: ";
    for (const auto& placed : draft.units) {  // a statement kept as written for a reason: say which
        if (placed.unit.why.rfind(kept, 0) == 0)
            return "as written, in one transaction as the file asks; " + placed.unit.why.substr(kept.size());
    }
    return "as written, in one transaction as the file asks";
}

}  // namespace

std::vector<analysis::Effects> built_effects(const std::string& sql) {
    sql::ParsedFile reparsed = sql::parse_sql(sql, {sql::KeepTree::No});
    if (!reparsed.ok()) throw std::logic_error("pgsafe planned SQL that does not parse: " + sql);
    std::vector<analysis::Effects> out;
    out.reserve(reparsed.statements.size());
    for (const auto& statement : reparsed.statements) out.push_back(analysis::statement_effects(statement));
    return out;
}

Step make_step(const Draft& draft, const std::vector<StatementPlan>& statements,
               const analysis::TableFacts& facts, const rules::PendingSet& pending,
               const config::Timeouts& timeouts) {
    Step step;
    step.sql = joined_sql(draft);
    step.transactional = !std::any_of(draft.units.begin(), draft.units.end(),
                                      [](const PlacedUnit& p) { return p.unit.boundary == Boundary::None; });
    step.rule = draft.rule;
    for (const auto& placed : draft.units) {
        if (!step.rule && placed.unit.rule) step.rule = placed.unit.rule;
        if (placed.unit.index) step.index = placed.unit.index;
        if (placed.unit.batch_key) {
            const auto& change = statements[placed.statement].statement->detail;
            sql::RelationName table;
            if (const auto* alter = std::get_if<sql::AlterTable>(&change)) table = alter->table;
            if (const auto* dml = std::get_if<sql::DataChange>(&change)) table = dml->table;
            step.batch = batch_of(table, created_then(statements[placed.statement], table, pending),
                                  *placed.unit.batch_key, facts);
        }
    }
    step.why = why(draft, statements);
    const auto& first = statements[draft.units.front().statement].statement->span;
    const auto& last = statements[draft.units.back().statement].statement->span;
    step.source = sql::Span{first.begin, std::max(first.end, last.end)};

    bool strong = false;
    bool skips_scan = std::all_of(draft.units.begin(), draft.units.end(),
                                  [](const PlacedUnit& p) { return p.unit.skips_scan; });
    double seconds = 0;
    bool size_known = true;
    for (const auto& placed : draft.units) {
        for (const auto& effects : placed.unit.effects) {
            for (const auto& lock : effects.locks) {
                if (lock.relation.empty()) continue;
                step.lock.mode = std::max(step.lock.mode, lock.mode);
                const bool created = created_then(statements[placed.statement], lock.relation, pending);
                std::string name = qualified(lock.relation, created, facts, pending);
                if (std::find(step.lock.relations.begin(), step.lock.relations.end(), name) ==
                    step.lock.relations.end())
                    step.lock.relations.push_back(name);
                bool existing = !lock.new_relation && !created;
                if (!existing) continue;
                if (lock.mode >= sql::LockMode::Share) strong = true;
                if (lock.work == analysis::TableWork::None || skips_scan) continue;
                const auto* fact = facts.find(lock.relation);
                if (fact == nullptr) {
                    size_known = false;
                    continue;
                }
                double rate =
                    lock.work == analysis::TableWork::Scan ? k_scan_bytes_per_s : k_write_bytes_per_s;
                seconds += static_cast<double>(fact->bytes) / rate;
            }
        }
    }
    if (size_known) step.estimated_seconds = std::round(seconds * 10) / 10;

    bool online = std::all_of(draft.units.begin(), draft.units.end(),
                              [](const PlacedUnit& p) { return p.unit.online; });
    auto long_timeout = [&]() -> std::optional<int> {
        if (timeouts.long_statement_timeout_ms == 0) return std::nullopt;
        return timeouts.long_statement_timeout_ms;
    };
    if (online) {
        step.lock_timeout_ms = timeouts.online_lock_timeout_ms;
        step.statement_timeout_ms = long_timeout();
    } else if (strong) {
        step.lock_timeout_ms = timeouts.lock_timeout_ms;
        step.statement_timeout_ms = timeouts.statement_timeout_ms;
    } else {
        step.lock_timeout_ms = timeouts.lock_timeout_ms;
        step.statement_timeout_ms = long_timeout();
    }
    return step;
}

}  // namespace pgsafe::plan::detail

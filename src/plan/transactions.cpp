// Transaction boundaries. Outside BEGIN … COMMIT every unit is its own step,
// as psql runs a file, so no lock outlives its statement. Inside a block the
// author asked for one transaction: shared units stay together; a unit that
// needs its own transaction (VALIDATE) or none (CONCURRENTLY) splits it.
// A block that takes a strong lock and then runs more statements is split
// into consecutive pieces touching disjoint tables, never reordered;
// statements that share a table (create it, then fill it) stay together, and a block with anything
// the lock model cannot see through (functions, SET, DO) is left whole. A
// block the file rolls back runs not at all.

#include "planning.hpp"

#include <algorithm>
#include <map>

namespace pgsafe::plan::detail {
namespace {

const char* k_held_rule = rules::rule_id::k_access_exclusive_held_across_statements;

bool ends_block(sql::TransactionKind kind) {
    return kind == sql::TransactionKind::Commit || kind == sql::TransactionKind::Rollback ||
           kind == sql::TransactionKind::Prepare;
}

// Tables each unit's statement touches, or nullopt when one touches something unseen.
std::optional<std::vector<std::vector<std::string>>> touched(const Draft& draft,
                                                             const std::vector<StatementPlan>& statements,
                                                             const rules::PendingSet& pending) {
    std::vector<std::vector<std::string>> out;
    for (const auto& placed : draft.units) {
        const auto& effects = statements[placed.statement].effects;
        if (effects.unknown || effects.locks.empty()) return std::nullopt;
        std::vector<std::string> tables;
        for (const auto& lock : effects.locks) {
            if (lock.relation.empty()) return std::nullopt;
            tables.push_back(pending.key(lock.relation));
        }
        out.push_back(std::move(tables));
    }
    return out;
}

// Cuts a draft into consecutive pieces that share no table: a cut after
// unit j only when no table of units 0..j is touched again later. Never
// reorders: the statements run in the order the file has them (moving a
// statement past another that touches something the lock model does not
// name, such as a sequence a default uses, would change the schema).
std::vector<Draft> split_independent(const Draft& draft, const std::vector<StatementPlan>& statements,
                                     const rules::PendingSet& pending) {
    auto tables = touched(draft, statements, pending);
    if (!tables || draft.units.size() < 2) return {draft};
    std::map<std::string, std::size_t> last;
    for (std::size_t i = 0; i < tables->size(); ++i) {
        for (const auto& table : (*tables)[i]) last[table] = i;
    }
    std::vector<Draft> out;
    Draft piece{{}, k_held_rule};
    std::size_t reach = 0;  // the last unit a table of the current piece is touched by
    for (std::size_t i = 0; i < draft.units.size(); ++i) {
        for (const auto& table : (*tables)[i]) reach = std::max(reach, last[table]);
        piece.units.push_back(draft.units[i]);
        if (reach <= i) {
            out.push_back(std::move(piece));
            piece = Draft{{}, k_held_rule};
        }
    }
    if (!piece.units.empty()) out.push_back(std::move(piece));
    if (out.size() == 1) out[0].rule = draft.rule;
    return out;
}

}  // namespace

bool block_boundary(const sql::Statement& statement) {
    const auto* tx = std::get_if<sql::Transaction>(&statement.detail);
    return tx != nullptr && (tx->kind == sql::TransactionKind::Begin || ends_block(tx->kind));
}

std::vector<Draft> group_units(std::vector<StatementPlan>& statements, const rules::PendingSet& pending) {
    std::vector<Draft> drafts;
    bool in_block = false;
    Draft block;

    auto flush = [&] {
        if (block.units.empty()) return;
        bool holds_lock = std::any_of(block.units.begin(), block.units.end(), [&](const PlacedUnit& p) {
            return statements[p.statement].found.count(k_held_rule) > 0;
        });
        std::vector<Draft> parts =
            holds_lock ? split_independent(block, statements, pending) : std::vector<Draft>{block};
        if (parts.size() > 1) {
            for (const auto& placed : block.units) statements[placed.statement].answered.insert(k_held_rule);
        }
        for (auto& part : parts) drafts.push_back(std::move(part));
        block = Draft{};
    };

    for (std::size_t i = 0; i < statements.size(); ++i) {
        if (const auto* tx = std::get_if<sql::Transaction>(&statements[i].statement->detail)) {
            if (tx->kind == sql::TransactionKind::Begin) {
                flush();
                in_block = true;
                continue;
            }
            if (ends_block(tx->kind)) {
                // A block the file rolls back changes nothing: nothing of it runs.
                if (tx->kind == sql::TransactionKind::Rollback) block = Draft{};
                flush();
                in_block = false;
                continue;
            }
        }
        for (const auto& unit : statements[i].units) {
            if (in_block && unit.boundary == Boundary::Shared) {
                block.units.push_back({unit, i});
            } else {
                flush();
                drafts.push_back(Draft{{{unit, i}}, std::nullopt});
            }
        }
    }
    flush();
    return drafts;
}

}  // namespace pgsafe::plan::detail

// Transaction boundaries. Outside BEGIN … COMMIT every unit is its own step,
// as psql runs a file, so no lock outlives its statement. Inside a block the
// author asked for one transaction: shared units stay together; a unit that
// needs its own transaction (VALIDATE) or none (CONCURRENTLY) splits it.
// A block that takes a strong lock and then runs more statements is split
// into consecutive pieces touching disjoint tables, never reordered;
// statements that share a table (create it, then fill it) stay together, and a block with anything
// the lock model cannot see through (functions, SET, DO) is left whole. A
// block the file rolls back runs not at all. A block whose meaning needs its
// one transaction (savepoints, SET CONSTRAINTS, rows changed: deferred
// constraints and triggers fire at its end) is neither rewritten nor cut.

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

// Why a statement inside a block makes the block one transaction that cannot
// be cut, or "".
std::string needs_whole_block(const StatementPlan& sp) {
    const sql::Statement& s = *sp.statement;
    if (const auto* tx = std::get_if<sql::Transaction>(&s.detail)) {
        if (tx->kind == sql::TransactionKind::Savepoint || tx->kind == sql::TransactionKind::Release ||
            tx->kind == sql::TransactionKind::RollbackTo)
            return "kept as written: the block uses savepoints, which exist only inside its one transaction";
        return "";
    }
    if (s.kind == "ConstraintsSetStmt")
        return "kept as written: the block sets constraints (SET CONSTRAINTS), which hold only inside its "
               "one "
               "transaction";
    const auto* change = std::get_if<sql::DataChange>(&s.detail);
    bool code = s.kind == "DoStmt" || s.kind == "CallStmt" || s.kind == "SelectStmt" ||
                s.kind == "CopyStmt" || sp.effects.unknown;
    if (change != nullptr || code)
        return "kept as written: the block changes rows or runs code; cut into several transactions, "
               "deferred "
               "constraints and triggers would fire before the block ends, so it runs as the one transaction "
               "the file wrote";
    return "";
}

}  // namespace

std::vector<std::string> whole_blocks(const std::vector<StatementPlan>& statements) {
    std::vector<std::string> out(statements.size());
    std::optional<std::size_t> begin;
    std::string why;
    for (std::size_t i = 0; i < statements.size(); ++i) {
        const auto* tx = std::get_if<sql::Transaction>(&statements[i].statement->detail);
        if (tx != nullptr && tx->kind == sql::TransactionKind::Begin) {
            begin = i;
            why.clear();
            continue;
        }
        if (!begin) continue;
        if (tx != nullptr && ends_block(tx->kind)) {
            if (tx->kind == sql::TransactionKind::Rollback)
                why = "kept as written: the block ends in ROLLBACK, so nothing of it runs";
            for (std::size_t k = *begin + 1; k < i && !why.empty(); ++k) out[k] = why;
            begin.reset();
            if (tx->chain) begin = i;  // AND CHAIN: the next transaction starts here
            why.clear();
            continue;
        }
        if (why.empty()) why = needs_whole_block(statements[i]);
    }
    return out;
}

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
        bool whole = std::any_of(block.units.begin(), block.units.end(),
                                 [&](const PlacedUnit& p) { return statements[p.statement].whole_block; });
        std::vector<Draft> parts =
            holds_lock && !whole ? split_independent(block, statements, pending) : std::vector<Draft>{block};
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
                in_block = tx->chain;  // AND CHAIN opens the next block at once
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

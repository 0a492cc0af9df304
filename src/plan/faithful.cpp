// What the plan must do exactly as `psql -f` does, decided before any step
// is planned: statements PostgreSQL refuses inside a transaction block run
// outside one (psql runs them so, outside BEGIN … COMMIT), and what pgsafe
// cannot run as psql would is refused in the plan, so nothing of the file
// runs: COPY … FROM STDIN (psql sends the lines after it as data; pgsafe has
// none), such a statement inside BEGIN … COMMIT (PostgreSQL refuses it
// there, 25001), and a file that ends inside an open BEGIN (psql rolls it
// back at exit).

#include "planning.hpp"

#include <fmt/format.h>

namespace pgsafe::plan::detail {
namespace {

rules::Finding refusal(sql::Span span, std::string message, std::string help) {
    rules::Finding f;
    // Refused like a statement that does not parse: no steps, `plan` and `migrate` exit 3 before anything
    // runs.
    f.rule = rules::rule_id::k_syntax_error;
    f.severity = rules::Severity::Error;
    f.span = span;
    f.message = std::move(message);
    f.help = std::move(help);
    return f;
}

}  // namespace

std::vector<rules::Finding> faithful_to_psql(std::vector<StatementPlan>& statements) {
    std::vector<rules::Finding> out;
    std::optional<sql::Span> open_block;
    for (auto& sp : statements) {
        if (const auto* tx = std::get_if<sql::Transaction>(&sp.statement->detail)) {
            if (tx->kind == sql::TransactionKind::Begin) open_block = sp.statement->span;
            if (tx->kind == sql::TransactionKind::Commit || tx->kind == sql::TransactionKind::Rollback ||
                tx->kind == sql::TransactionKind::Prepare)
                open_block = tx->chain ? std::optional<sql::Span>(sp.statement->span) : std::nullopt;
        }
        if (sp.statement->copy_from_stdin) {
            out.push_back(refusal(sp.statement->span,
                                  "COPY … FROM STDIN needs data from the client, and pgsafe has none to send "
                                  "(psql -f would read the lines after it as the data)",
                                  "Load the data with INSERT, or COPY FROM a file on the server, or run "
                                  "this file with psql."));
            continue;
        }
        const std::string& what = sp.statement->outside_transaction_block;
        if (what.empty()) continue;
        if (open_block) {
            out.push_back(refusal(
                sp.statement->span,
                fmt::format("{} cannot run inside a transaction block: PostgreSQL refuses it inside BEGIN … "
                            "COMMIT (25001)",
                            what),
                "Move it out of the BEGIN … COMMIT block."));
            continue;
        }
        // As psql runs it: on its own, outside any transaction.
        for (auto& u : sp.units) {
            u.boundary = Boundary::None;
            if (u.why.empty())
                u.why =
                    fmt::format("{} cannot run in a transaction block: run on its own, as psql does", what);
        }
    }
    if (open_block) {
        out.push_back(refusal(
            *open_block,
            "the file ends inside the transaction this statement opens, without COMMIT: psql rolls it back "
            "when the file ends, and pgsafe will not guess which was meant",
            "End the block with COMMIT (or ROLLBACK, or remove it)."));
    }
    return out;
}

}  // namespace pgsafe::plan::detail

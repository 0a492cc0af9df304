#pragma once
// The libpg_query protobuf trees behind a ParsedFile. Private to src/sql/;
// the rewrite step reaches statements through it by Statement::tree_index.

#include "pgsafe/sql/parse.hpp"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include <utility>
#include <vector>

namespace pgsafe::sql {

class ParseTree {
public:
    ParseTree() = default;
    ParseTree(const ParseTree&) = delete;
    ParseTree& operator=(const ParseTree&) = delete;
    ~ParseTree() {
        for (auto* r : m_results) {
            if (r != nullptr) pg_query__parse_result__free_unpacked(r, nullptr);
        }
    }

    // Takes ownership of an unpacked result; returns its index.
    size_t add_result(PgQuery__ParseResult* result) {
        m_results.push_back(result);
        return m_results.size() - 1;
    }
    // Registers a statement; returns its tree_index.
    size_t add_statement(size_t result, size_t stmt) {
        m_statements.emplace_back(result, stmt);
        return m_statements.size() - 1;
    }
    // Frees the newest result once its statements are converted (KeepTree::No).
    void release_last_result() {
        pg_query__parse_result__free_unpacked(m_results.back(), nullptr);
        m_results.back() = nullptr;
    }
    const PgQuery__RawStmt* raw_statement(size_t tree_index) const {
        const auto& [result, stmt] = m_statements.at(tree_index);
        return m_results[result]->stmts[stmt];
    }
    // The parser's PG_VERSION_NUM, carried into deparsed trees.
    int32_t version() const { return PG_VERSION_NUM; }

private:
    std::vector<PgQuery__ParseResult*> m_results;
    std::vector<std::pair<size_t, size_t>> m_statements;
};

}  // namespace pgsafe::sql

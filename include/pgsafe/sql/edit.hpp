#pragma once
// Rewrites of one statement, done on a private copy of its libpg_query tree
// and deparsed back to SQL (never string surgery), plus the new statements
// the safe forms add (VALIDATE CONSTRAINT, SET NOT NULL, …), built from
// trees too. sql() refuses when the deparser would not give the same tree
// back, so a rewrite can fail to be offered but never change a meaning.

#include "pgsafe/sql/parse.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::sql {

class StatementEdit {
public:
    // A copy of the statement's tree; the file must be parsed with KeepTree::Yes.
    StatementEdit(const ParsedFile& file, const Statement& statement);
    StatementEdit(StatementEdit&&) noexcept;
    StatementEdit& operator=(StatementEdit&&) noexcept;
    ~StatementEdit();

    // The statement as it now stands, or nullopt when it cannot be deparsed faithfully.
    std::optional<std::string> sql() const;

    // --- ALTER TABLE (action indices are AlterTable::actions') ---------------
    // An ADD CONSTRAINT's name, or the one PostgreSQL would give it; nullopt
    // when pgsafe cannot tell.
    std::optional<std::string> constraint_name(std::size_t action) const;
    // Names an ADD CONSTRAINT (FOREIGN KEY or CHECK) and makes it NOT VALID.
    void make_not_valid(std::size_t action, const std::string& name);
    // An ADD COLUMN's inline REFERENCES and CHECK become ADD CONSTRAINT … NOT
    // VALID subcommands after it, named as PostgreSQL names them; returns the
    // names, or nullopt (nothing changed) when one cannot be named.
    std::optional<std::vector<std::string>> split_column_constraints(std::size_t action);
    // ADD UNIQUE / PRIMARY KEY (cols) → ADD CONSTRAINT name … USING INDEX name.
    void use_index(std::size_t action, const std::string& name);
    // CREATE UNIQUE INDEX CONCURRENTLY name for an ADD UNIQUE / PRIMARY KEY,
    // with its columns, INCLUDE, WITH and tablespace; nullopt when the
    // constraint has options an index cannot carry.
    std::optional<std::string> unique_index_for(std::size_t action, const std::string& name) const;

    // --- ADD COLUMN … DEFAULT <volatile>, batched data changes -----------------
    // ALTER TABLE t ALTER COLUMN c SET DEFAULT <the ADD COLUMN's default>.
    std::optional<std::string> set_default_sql(std::size_t action) const;
    // UPDATE t SET c = <the ADD COLUMN's default> WHERE c IS NULL AND key >= $1 AND key <= $2
    // (a key of several columns compared as a row: (a, b) >= ($1, $2) AND (a, b) <= ($3, $4)).
    std::optional<std::string> backfill_sql(std::size_t action, const std::vector<std::string>& key) const;
    // Drops the ADD COLUMN's DEFAULT and NOT NULL, so adding it touches only
    // the catalog; false (nothing changed) when it has other constraints.
    bool strip_default(std::size_t action);
    // An UPDATE or DELETE without WHERE gets `WHERE key >= $1 AND key <= $2`
    // (rows compared for a key of several columns, as backfill_sql); false
    // (nothing changed) with WITH, RETURNING, FROM / USING, or an UPDATE
    // that sets a key column.
    bool limit_to_key_range(const std::vector<std::string>& key);

    // --- CREATE INDEX ---------------------------------------------------------
    // The index's name, or the one PostgreSQL would give it; nullopt when pgsafe cannot tell.
    std::optional<std::string> index_name() const;
    void set_index_name(const std::string& name);

    // CREATE INDEX, DROP INDEX, REINDEX, REFRESH MATERIALIZED VIEW, and a
    // lone DETACH PARTITION become their CONCURRENTLY form.
    void make_concurrent();
    // DROP INDEX a, b: one statement per index (CONCURRENTLY takes one at a time).
    std::vector<StatementEdit> split_drop() const;

private:
    StatementEdit() = default;
    struct Tree;
    std::unique_ptr<Tree> m_tree;
};

// New statements. Names are quoted as needed by the deparser.
std::string validate_constraint_sql(const RelationName& table, const std::string& constraint);
std::string drop_constraint_sql(const RelationName& table, const std::string& constraint,
                                bool if_exists = false);
// ALTER TABLE t ADD CONSTRAINT name CHECK (column IS NOT NULL) NOT VALID
std::string not_null_check_sql(const RelationName& table, const std::string& column, const std::string& name);
std::string set_not_null_sql(const RelationName& table, const std::string& column);

}  // namespace pgsafe::sql

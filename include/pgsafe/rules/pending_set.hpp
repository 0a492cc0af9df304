#pragma once
// The tables and indexes created by the migrations being linted, so a table
// created earlier in the pending set counts as empty and its indexes count
// for foreign-key-without-index, and a DROP INDEX of an index it created
// knows that index's table.

#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/sql/parse.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::rules {

class PendingSet {
public:
    explicit PendingSet(std::vector<std::string> search_path = {"public"});
    // The tables the database had before these migrations: a CREATE TABLE IF
    // NOT EXISTS of one of them is a no-op, so the table is not new (empty).
    explicit PendingSet(const analysis::TableFacts& before);

    // Tables a statement creates (CREATE TABLE, CREATE TABLE AS; IF NOT EXISTS
    // only when the table was not there before), or renames when the pending
    // set created them; a table dropped, or whose name another table is
    // renamed to, is no longer one the pending set created.
    void record_tables(const sql::Statement& statement);
    // Indexes a statement creates (CREATE INDEX, PRIMARY KEY, UNIQUE).
    void record_indexes(const sql::Statement& statement);

    // Index names a top-level statement creates (CREATE INDEX with a name and
    // without IF NOT EXISTS, a named UNIQUE or PRIMARY KEY constraint), each
    // with its table; a name dropped, renamed to, or whose table is dropped
    // is forgotten. Called in order, after each statement.
    void record_index_names(const sql::Statement& statement);
    // The table of an index a statement recorded by record_index_names created.
    std::optional<sql::RelationName> table_of_index(const sql::RelationName& index) const;

    bool created(const sql::RelationName& table) const;
    // Created with PARTITION BY.
    bool partitioned(const sql::RelationName& table) const;
    // An index created by name on a table created with PARTITION BY.
    bool partitioned_index(const sql::RelationName& index) const;
    // A CREATE UNIQUE INDEX on plain columns, without WHERE (what REFRESH … CONCURRENTLY needs).
    bool has_unique_index(const sql::RelationName& relation) const;
    bool has_index_starting_with(const sql::RelationName& table,
                                 const std::vector<std::string>& columns) const;

    // "schema.table", unqualified names in the first schema of the search path.
    std::string key(const sql::RelationName& relation) const;

private:
    void add_index(const sql::RelationName& table, std::vector<std::string> columns);
    void renamed(const sql::Rename& rename);
    void forget_table(const std::string& table);  // dropped, or its name taken by another

    std::vector<std::string> m_search_path;
    std::set<std::string> m_existing;  // "schema.table" the database had before
    std::set<std::string> m_tables;
    std::set<std::string> m_partitioned;
    std::set<std::string> m_unique;
    std::set<std::string> m_partitioned_indexes;
    std::map<std::string, std::vector<std::vector<std::string>>> m_indexes;
    std::map<std::string, sql::RelationName> m_index_tables;  // "schema.index" -> its table
};

}  // namespace pgsafe::rules

#pragma once
// The lock model: for each statement, which relations it locks and in which
// mode, whether it scans or rewrites a table, and whether it must run outside
// a transaction. Follows the PostgreSQL 15 documentation (explicit locking,
// ALTER TABLE per-subcommand lock levels); checked against a real server by
// the trace tests in tests/db/.

#include "pgsafe/sql/ir.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgsafe::analysis {

// How much of a table a statement reads or writes while it holds its lock.
enum class TableWork {
    None,     // catalog only: fast once the lock is granted
    Scan,     // reads every row (validation, index build)
    Rewrite,  // writes a new copy of the table and its indexes
};

struct RelationLock {
    // As written (unqualified names stay unqualified). Empty when the statement
    // locks a relation whose name the IR does not carry (CREATE TRIGGER's
    // table, COMMENT ON's object, the tables a SELECT reads): the mode is
    // still right, and Effects::notes says which relation it is.
    sql::RelationName relation;
    sql::LockMode mode = sql::LockMode::None;
    TableWork work = TableWork::None;
    bool new_relation = false;  // created by this statement: no other session can be waiting for it
};

struct Effects {
    std::vector<RelationLock> locks;   // one entry per relation, strongest mode
    bool outside_transaction = false;  // CONCURRENTLY forms, VACUUM, … cannot run in a transaction block
    bool unknown = false;              // a statement pgsafe has no model for
    // What the model cannot see from the statement alone, for people:
    // "a foreign key's referenced table is locked ACCESS EXCLUSIVE too", ….
    std::vector<std::string> notes;

    // The strongest mode over every relation, None when nothing is locked.
    sql::LockMode strongest() const;
    // The lock on one relation (None if it is not locked).
    const RelationLock* lock_on(const sql::RelationName& relation) const;
};

Effects statement_effects(const sql::Statement& statement);

// The lock one ALTER TABLE (ALTER INDEX, ALTER VIEW, …) subcommand takes on
// the altered relation, per the ALTER TABLE reference page; the statement
// takes the strongest over its subcommands.
sql::LockMode alter_action_lock(sql::ObjectKind object, const sql::AlterTableAction& action);

// Whether changing a column to `new_type` rewrites the table. Without the old
// type (the statement does not say it) only a change to text or to varchar
// without a length is taken as a relabel; everything else counts as a rewrite.
bool type_change_rewrites(const std::optional<sql::TypeName>& old_type, const sql::TypeName& new_type);

// The table work one ALTER TABLE subcommand does on the altered relation
// (ATTACH PARTITION's scan is of the partition, not the altered table).
TableWork alter_action_work(sql::ObjectKind object, const sql::AlterTableAction& action);

// True when `lock` is the shape of a long outage: a mode that makes reads or
// writes of the relation wait (SHARE or stronger), held while the relation is
// scanned or rewritten, on a relation the statement did not create (unnamed
// for ALTER DOMAIN: every table with a column of the domain).
// REFRESH MATERIALIZED VIEW CONCURRENTLY is not: nobody writes a view and
// its EXCLUSIVE lock lets reads go on.
bool long_blocking_lock(const sql::Statement& statement, const RelationLock& lock);

// What a lock mode stops other sessions from doing: "reads and writes",
// "writes", "DDL, VACUUM and other schema changes", ….
const char* lock_blocks(sql::LockMode mode);

// True when a session holding `held` makes a request for `requested` wait.
bool lock_conflicts(sql::LockMode held, sql::LockMode requested);

const char* table_work_name(TableWork work);  // "none", "scan", "rewrite"

}  // namespace pgsafe::analysis

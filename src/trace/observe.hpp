#pragma once
// What `pgsafe trace` reads from the server around each statement: the
// relations and their files, a session's relation locks, and the OIDs of
// the relations the lock model names.

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/trace/model_check.hpp"

#include <map>
#include <string>
#include <vector>

namespace pgsafe::trace {

struct Relation {
    std::string name;    // "schema.name"
    std::string quoted;  // the same, quoted for SQL text
    char kind = 'r';     // pg_class.relkind
    std::string relfilenode;
    bool user = false;  // a table, view, matview or foreign table
};
using Relations = std::map<Oid, Relation>;
using Locks = std::map<Oid, sql::LockMode>;  // strongest mode per relation

// Every relation outside the system schemas, as `connection` sees it now.
Relations snapshot_relations(db::Connection& connection);

// The relation locks of backend `pid` (granted, or also requested), on
// relations outside the system schemas (or gone from pg_class).
Locks session_locks(db::Connection& connection, int pid, bool granted_only);

// The model's relations that resolve on the server and are not in `out` yet.
void resolve_model(db::Connection& connection, const analysis::Effects& model,
                   std::map<std::string, Oid>& out);

// The tables to hold ACCESS SHARE on so that a statement outside a
// transaction waits while it holds its locks: the model's tables, and the
// tables of the model's indexes. Quoted for LOCK TABLE.
std::vector<std::string> tables_to_hold(db::Connection& connection,
                                        const std::map<std::string, Oid>& resolved);

// Whether backend `pid` waits for a lock (a relation's, or a transaction's end).
bool waits_for_lock(db::Connection& connection, int pid);

// "table", "index", "sequence", …
const char* relation_kind_name(char relkind);

// "AccessExclusiveLock", as pg_locks spells a mode.
const char* pg_lock_name(sql::LockMode mode);

// A string literal for SQL text.
std::string literal(const std::string& text);

}  // namespace pgsafe::trace

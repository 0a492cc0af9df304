#pragma once
// What a rewrite sees and returns. A rewrite turns one statement into units
// of SQL; the planner groups units into transactions and steps. Every
// rewrite either handles its part of the statement completely or declines
// (nullopt / false) and changes nothing: the statement then runs as written
// and keeps its finding. Private to src/plan/.

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/plan/rewrites.hpp"
#include "pgsafe/rules/pending_set.hpp"
#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/sql/edit.hpp"
#include "pgsafe/sql/parse.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::plan::detail {

// Where a unit may run.
enum class Boundary {
    Shared,  // in a transaction, with its neighbours when the file grouped them
    Own,     // in a transaction of its own
    None,    // outside any transaction (CONCURRENTLY and the like)
};

// The key a batched step walks: the primary key's columns and their types,
// or those of a unique index over NOT NULL columns when there is no primary key.
struct BatchKey {
    std::vector<std::string> columns;
    std::vector<std::string> types;
    std::string unique_index;  // "" for the primary key
    // "(id)", or "(a, b), the unique index \"t_a_b_key\"", for a step's why.
    std::string describe() const;
};

struct Unit {
    std::string sql;
    Boundary boundary = Boundary::Shared;
    bool online = false;      // VALIDATE / CONCURRENTLY: waits and runs without blocking reads or writes
    bool skips_scan = false;  // SET NOT NULL behind a valid CHECK: the lock model's scan does not happen
    std::optional<std::string> rule;
    std::string why;
    std::optional<sql::RelationName> index;  // CREATE INDEX CONCURRENTLY: the index it builds
    std::optional<BatchKey> batch_key;       // run in batches by this key of the statement's table
    // The lock model's view of each statement in `sql`, filled in by the
    // planner: the original statement's effects for SQL kept as written.
    std::vector<analysis::Effects> effects;
};

// Relation names (tables, indexes, constraint indexes) that earlier
// statements of the pending set created, renamed to or may hold, as
// "schema.name". Never shrinks: a name once seen counts as maybe taken.
class RelationNames {
public:
    explicit RelationNames(const rules::PendingSet& pending) : m_pending(pending) {}
    // Records the names a statement creates or renames something to.
    void record(const sql::Statement& statement);
    bool seen(const sql::RelationName& table, const std::string& name) const;
    // An earlier statement renamed, dropped or retyped a column of `table`, or
    // changed its constraints: the table facts may no longer describe its key.
    bool reshaped(const sql::RelationName& table) const;
    // An earlier statement dropped an index of this name (schema-qualified as the table's).
    bool index_dropped(const sql::RelationName& index) const;
    // An earlier statement dropped NOT NULL from this column of `table`.
    bool made_nullable(const sql::RelationName& table, const std::string& column) const;
    // An earlier statement created a trigger (on any table: the IR does not
    // carry CREATE TRIGGER's table) or enabled one on `table`.
    bool triggers_added(const sql::RelationName& table) const;
    // An earlier statement created a rule (on any table: the IR does not
    // carry CREATE RULE's table) or enabled one on `table`.
    bool rules_added(const sql::RelationName& table) const;
    // An earlier statement added something that checks rows of `table`
    // against other rows (a unique index or constraint, an exclusion
    // constraint, a foreign key of it or to it) or gave it a partition or an
    // inheritance child: the table facts no longer list them all.
    bool constraints_added(const sql::RelationName& table) const;
    // Whether an earlier statement refreshed the materialized view `view`
    // since it was last created in the run: true with data, false WITH NO
    // DATA; nullopt when none did.
    std::optional<bool> refreshed(const sql::RelationName& view) const;
    // Why `name` may be held by a constraint an earlier statement created in
    // `table`'s schema (named so, or so by PostgreSQL's default, or one whose
    // name pgsafe does not follow), or nullopt when none can hold it.
    std::optional<std::string> constraint_named(const sql::RelationName& table,
                                                const std::string& name) const;

private:
    void record_constraints(const sql::Statement& statement);
    void record_constraint_names(const sql::Statement& statement);
    // A constraint `c` of `table` over `columns` was created: its name, given or PostgreSQL's default.
    void constraint_created(const sql::RelationName& table, const sql::Constraint& c,
                            const std::vector<std::string>& columns);
    void add(const sql::RelationName& table, const std::string& name);
    const rules::PendingSet& m_pending;
    std::set<std::string> m_names;
    std::set<std::string> m_reshaped;  // tables, as "schema.name"
    std::set<std::string> m_dropped_indexes;
    std::set<std::string> m_nullable;          // "schema.table" + '\n' + column
    std::set<std::string> m_enabled_triggers;  // tables
    bool m_created_trigger = false;
    std::set<std::string> m_enabled_rules;  // tables
    bool m_created_rule = false;
    std::set<std::string> m_constrained;       // tables
    bool m_inherit_added = false;              // ALTER TABLE … INHERIT: the IR does not carry the parent
    std::map<std::string, bool> m_refreshed;   // views: populated by the last REFRESH
    std::set<std::string> m_constraint_names;  // "schema.name"
    std::string m_unfollowed_constraint;       // why a constraint created earlier has a name pgsafe
                                               // does not know, or ""
};

// What the statements before one in its file changed in the session, which
// the table facts were not read with (earlier_settings.cpp). Per file: each
// migration runs in a session of its own, as psql -f gives each file one.
struct EarlierSetting {
    // Why an unqualified name may mean another table than the facts and the
    // pending set describe (SET search_path to another path, SET ROLE or
    // SESSION AUTHORIZATION for "$user", set_config, RESET ALL, DISCARD), or "".
    std::string names;
    // Why a rebuilt statement's string literals would read otherwise (SET
    // standard_conforming_strings to anything but on), or "".
    std::string strings;
    bool role = false;             // SET ROLE, SET/RESET SESSION AUTHORIZATION, DISCARD, set_config
    bool client_encoding = false;  // SET client_encoding, SET NAMES, set_config
    bool search_path = false;      // any SET search_path, even to the facts' own path; set_config
};

struct RewriteContext {
    const sql::ParsedFile& file;
    const sql::Statement& statement;
    const std::set<std::string>& rules;  // rules with a finding on this statement
    const analysis::TableFacts& facts;
    const rules::PendingSet& pending;
    const RelationNames& names;
    const EarlierSetting& earlier;
    // Set by a rewrite that declines for a reason the reviewer should read.
    mutable std::string declined;

    bool found(const std::string& rule) const { return rules.count(rule) > 0; }
    // Known to be partitioned (live database, snapshot, or created so earlier in the pending set).
    bool partitioned(const sql::RelationName& table) const;
    // An index of a partitioned table (those cannot be dropped CONCURRENTLY).
    bool partitioned_index(const sql::RelationName& index) const;
    // Has a valid unique index on plain columns (what REFRESH … CONCURRENTLY needs).
    bool has_unique_index(const sql::RelationName& relation) const;
    // The key to run batches by: the table's primary key, one column or
    // several, of any type whose text form reads back as the same value
    // (live database or snapshot); without a primary key, a unique index
    // over NOT NULL columns (no WHERE, no expression), the narrowest first.
    // Without either, declines with the reason.
    std::optional<BatchKey> batch_key(const sql::RelationName& table) const;
    // Why a new index `name` next to `table` could clash with an existing
    // relation (the table facts, an earlier statement, or the statement itself
    // dropping a constraint or index of that name), or nullopt when it is free
    // as far as pgsafe can tell. `chosen`: the name is PostgreSQL's default
    // (the statement gives none), which facts that do not list the schema's
    // views and sequences cannot vouch for.
    std::optional<std::string> name_clash(const sql::RelationName& table, const std::string& name,
                                          bool chosen) const;
    // Why PostgreSQL would number the name `name` it chooses for a new
    // unnamed constraint of `table` ("…_fkey1"): a constraint of the schema
    // holds it (a table's, a domain's or a foreign table's in the facts, or
    // one an earlier statement created); or the facts do not list those
    // names; or an earlier statement created one pgsafe cannot name.
    // nullopt when it is free.
    std::optional<std::string> constraint_name_taken(const sql::RelationName& table,
                                                     const std::string& name) const;
    // (schema, name) of an object named in the same schema as `table` (schema "" when `table` is
    // unqualified).
    sql::RelationName sibling(const sql::RelationName& table, const std::string& name) const;
};

struct Rewrite {
    std::vector<Unit> units;
};

// The edited statement in its CONCURRENTLY form as one online unit; nullopt
// when it cannot be deparsed faithfully.
std::optional<Unit> concurrent_unit(sql::StatementEdit edit, Boundary boundary, const char* rule,
                                    std::string why);

// --- ALTER TABLE: contributors edit one copy of the statement ---------------
struct AlterRewrite {
    const sql::AlterTable& alter;
    sql::StatementEdit edit;
    std::vector<Unit> before;         // steps before the statement
    std::vector<Unit> after;          // steps after it
    std::optional<std::string> rule;  // the first rule answered, for the statement's own step
    std::string why;
};

// FOREIGN KEY and CHECK (also inline on ADD COLUMN) → NOT VALID, then VALIDATE.
bool not_valid_constraints(const RewriteContext& ctx, AlterRewrite& rw);
// SET NOT NULL → CHECK (col IS NOT NULL) NOT VALID, VALIDATE, SET NOT NULL, drop the CHECK.
bool set_not_null(const RewriteContext& ctx, AlterRewrite& rw);
// ADD UNIQUE / PRIMARY KEY → CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX.
bool unique_constraints(const RewriteContext& ctx, AlterRewrite& rw);
// The four steps that make a column NOT NULL without a long lock (shared with PRIMARY KEY).
std::vector<Unit> not_null_units(const sql::RelationName& table, const std::string& column,
                                 const std::string& rule);

// Every contributor in the registry, in its order, over one copy of the statement.
std::optional<Rewrite> rewrite_alter_table(const RewriteContext& ctx);
// Why no rewrite of an ALTER TABLE can keep what its IF EXISTS, ONLY or
// ADD COLUMN IF NOT EXISTS mean (the safe forms' extra steps would not
// honour them), or "" (alter_table.cpp).
std::string declined_alter(const RewriteContext& ctx, const sql::AlterTable& alter);

// --- Whole statements ---------------------------------------------------------
std::optional<Rewrite> detach_partition_concurrently(const RewriteContext& ctx);
std::optional<Rewrite> create_index_concurrently(const RewriteContext& ctx);
std::optional<Rewrite> drop_index_concurrently(const RewriteContext& ctx);
std::optional<Rewrite> reindex_concurrently(const RewriteContext& ctx);
std::optional<Rewrite> refresh_concurrently(const RewriteContext& ctx);
// ADD COLUMN with a volatile default → add it bare, SET DEFAULT, backfill in batches (then NOT NULL).
std::optional<Rewrite> volatile_default_backfill(const RewriteContext& ctx);
// UPDATE / DELETE of a whole large table → the same statement per primary-key range.
std::optional<Rewrite> batched_data_change(const RewriteContext& ctx);

// --- What batching could change (src/plan/batch_hazards.cpp) ------------------
// Why an UPDATE / DELETE of a whole table (setting `assigned`) run in batches
// by `key` could end unlike the one statement, as the step's `why`, or nullopt.
std::optional<std::string> data_change_hazard(const RewriteContext& ctx, const sql::DataChange& change,
                                              const std::vector<std::string>& assigned, const BatchKey& key);
// Why a volatile-default backfill in batches by `key` could fail or differ
// where ADD COLUMN does not (its UPDATE triggers aside), or nullopt.
std::optional<std::string> backfill_hazard(const RewriteContext& ctx, const sql::RelationName& table,
                                           const BatchKey& key);

// --- The registry (src/plan/rewrites.cpp) -------------------------------------
using StatementRewrite = std::optional<Rewrite> (*)(const RewriteContext&);
using AlterContributor = bool (*)(const RewriteContext&, AlterRewrite&);

struct RewriteEntry {
    RewriteInfo info;
    StatementRewrite statement = nullptr;  // turns a whole statement into units
    AlterContributor alter = nullptr;      // edits an ALTER TABLE with the other contributors
    // Neither: the planner applies it while it groups units (transactions.cpp).
};

// The one list of rewrites, in the order the planner tries them.
const std::vector<RewriteEntry>& rewrite_registry();

// The first rewrite in the registry that handles the statement.
std::optional<Rewrite> rewrite_statement(const RewriteContext& ctx);

}  // namespace pgsafe::plan::detail

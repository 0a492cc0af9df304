// Effects of every statement kind except ALTER TABLE's subcommands (see
// alter_table_locks.cpp): the lock each takes per the "Table-Level Locks"
// list of the PostgreSQL 15 docs, the table work, and the CONCURRENTLY forms.

#include "effects_builder.hpp"

#include <algorithm>
#include <string>
#include <variant>

namespace pgsafe::analysis {
namespace {

using detail::add_lock;
using detail::add_note;
using sql::LockMode;
using sql::ObjectKind;

const sql::RelationName k_unnamed{};

bool is_relation(ObjectKind kind) {
    return kind == ObjectKind::Table || kind == ObjectKind::Index || kind == ObjectKind::View ||
           kind == ObjectKind::MaterializedView || kind == ObjectKind::Sequence ||
           kind == ObjectKind::ForeignTable;
}

// ON ONLY builds nothing: it adds an invalid index to a partitioned table,
// which the partitions' indexes are attached to later.
Effects create_index(const sql::CreateIndex& s) {
    Effects e;
    add_lock(e, s.table, s.concurrent ? LockMode::ShareUpdateExclusive : LockMode::Share,
             s.only ? TableWork::None : TableWork::Scan);
    e.outside_transaction = s.concurrent;
    return e;
}

void add_foreign_keys(Effects& e, const std::vector<sql::Constraint>& constraints) {
    for (const auto& c : constraints) {
        if (c.kind == sql::ConstraintKind::ForeignKey && !c.referenced_table.empty())
            add_lock(e, c.referenced_table, LockMode::ShareRowExclusive);
    }
}

Effects create_table(const sql::CreateTable& s) {
    Effects e;
    add_lock(e, s.table, LockMode::AccessExclusive);
    e.locks.back().new_relation = true;
    // PARTITION OF changes the parent's partition descriptor: ACCESS EXCLUSIVE on it.
    if (!s.partition_of.empty()) add_lock(e, s.partition_of, LockMode::AccessExclusive);
    for (const auto& column : s.columns) add_foreign_keys(e, column.constraints);
    add_foreign_keys(e, s.constraints);
    if (s.as_select) {
        add_lock(e, k_unnamed, LockMode::AccessShare, TableWork::Scan);
        add_note(e, "the tables the query reads are locked ACCESS SHARE");
    }
    return e;
}

// DROP INDEX locks the index's table too, but the statement names only the index.
Effects drop_index(const sql::Drop& s) {
    Effects e;
    LockMode mode = s.concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
    for (const auto& name : s.names) add_lock(e, name, mode);
    e.outside_transaction = s.concurrent;
    add_note(e, std::string("the index's table is locked ") + sql::lock_mode_name(mode) +
                    " too; pgsafe knows only the index name");
    return e;
}

Effects drop(const sql::Drop& s) {
    if (s.object == ObjectKind::Index) return drop_index(s);
    Effects e;
    if (is_relation(s.object)) {
        for (const auto& name : s.names) add_lock(e, name, LockMode::AccessExclusive);
        if (s.object == ObjectKind::Table)
            add_note(
                e,
                "tables its foreign keys reference, or that reference it, are locked ACCESS EXCLUSIVE too");
    } else if (s.object == ObjectKind::Trigger || s.object == ObjectKind::Policy ||
               s.object == ObjectKind::Rule) {
        // DROP TRIGGER / POLICY / RULE name ON table: the names are {…, table, name}; the table is locked.
        for (const auto& name : s.names)
            add_lock(e, sql::RelationName{"", name.schema}, LockMode::AccessExclusive);
    } else {
        e.unknown = s.cascade;  // CASCADE may drop tables the statement does not name
    }
    if (s.cascade && is_relation(s.object)) add_note(e, "CASCADE also drops and locks dependent objects");
    return e;
}

Effects rename(const sql::Rename& s) {
    Effects e;
    switch (s.object) {
        case ObjectKind::Index: add_lock(e, s.relation, LockMode::ShareUpdateExclusive); break;
        case ObjectKind::Table:
        case ObjectKind::View:
        case ObjectKind::MaterializedView:
        case ObjectKind::Sequence:
        case ObjectKind::ForeignTable:
        case ObjectKind::Column:
        case ObjectKind::Constraint:
        case ObjectKind::Trigger:
        case ObjectKind::Policy: add_lock(e, s.relation, LockMode::AccessExclusive); break;
        default: break;  // schemas, types, functions: no table lock
    }
    return e;
}

Effects data_change(const sql::DataChange& s) {
    Effects e;
    bool reads_table = s.kind != sql::DataChangeKind::Insert;
    add_lock(e, s.table, LockMode::RowExclusive, reads_table ? TableWork::Scan : TableWork::None);
    if (s.from_select || s.kind == sql::DataChangeKind::Merge) {
        add_lock(e, k_unnamed, LockMode::AccessShare);
        add_note(e, "the other tables it reads are locked ACCESS SHARE");
    }
    if (s.kind != sql::DataChangeKind::Delete)
        add_note(e, "tables its foreign keys reference are locked ROW SHARE while new rows are checked");
    return e;
}

Effects reindex(const sql::Reindex& s) {
    Effects e;
    e.outside_transaction = s.concurrent;
    switch (s.kind) {
        case sql::ReindexKind::Index:
            add_lock(e, s.relation, s.concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive,
                     TableWork::Scan);
            add_note(e, s.concurrent
                            ? "the index's table is locked SHARE UPDATE EXCLUSIVE too"
                            : "the index's table is locked SHARE too (writes wait; reads not using the "
                              "index go on)");
            break;
        case sql::ReindexKind::Table:
            add_lock(e, s.relation, s.concurrent ? LockMode::ShareUpdateExclusive : LockMode::Share,
                     TableWork::Scan);
            if (!s.concurrent)
                add_note(e, "each index of the table is locked ACCESS EXCLUSIVE while it is rebuilt");
            break;
        default:
            e.outside_transaction = true;  // REINDEX SCHEMA / DATABASE / SYSTEM commit per table
            add_note(e, "every table of the " +
                            std::string(s.kind == sql::ReindexKind::Schema ? "schema" : "database") +
                            " is reindexed, one transaction per table");
            break;
    }
    return e;
}

Effects refresh(const sql::RefreshMaterializedView& s) {
    Effects e;
    if (s.concurrent) {
        add_lock(e, s.view, LockMode::Exclusive, TableWork::Scan);
    } else {
        add_lock(e, s.view, LockMode::AccessExclusive, s.with_no_data ? TableWork::None : TableWork::Rewrite);
    }
    return e;
}

Effects vacuum(const sql::Vacuum& s) {
    Effects e;
    LockMode mode = s.full ? LockMode::AccessExclusive : LockMode::ShareUpdateExclusive;
    TableWork work = s.full ? TableWork::Rewrite : TableWork::Scan;
    for (const auto& table : s.tables) add_lock(e, table, mode, work);
    e.outside_transaction = s.is_vacuum;  // ANALYZE alone may run in a transaction
    if (s.tables.empty()) add_note(e, "no table named: every table of the database, one after the other");
    return e;
}

Effects cluster(const sql::Cluster& s) {
    Effects e;
    if (s.table.empty()) {
        e.outside_transaction = true;
        add_note(e, "no table named: every table clustered before, each ACCESS EXCLUSIVE and rewritten");
    } else {
        add_lock(e, s.table, LockMode::AccessExclusive, TableWork::Rewrite);
    }
    return e;
}

Effects lock_table(const sql::LockTable& s) {
    Effects e;
    for (const auto& table : s.tables) add_lock(e, table, s.mode);
    return e;
}

Effects truncate(const sql::Truncate& s) {
    Effects e;
    for (const auto& table : s.tables) add_lock(e, table, LockMode::AccessExclusive);
    if (s.cascade) add_note(e, "CASCADE truncates and locks the tables that reference these too");
    return e;
}

// ALTER DOMAIN: checking existing values takes SHARE on every table with a
// column of the domain and scans it, VALIDATE CONSTRAINT included (unlike a
// table's VALIDATE, checked by the trace tests); NOT VALID and the other
// subcommands touch only the catalog.
Effects alter_domain(const sql::AlterDomain& s) {
    Effects e;
    bool checks_values = s.kind == sql::AlterDomainKind::ValidateConstraint ||
                         s.kind == sql::AlterDomainKind::SetNotNull ||
                         (s.kind == sql::AlterDomainKind::AddConstraint && !s.not_valid);
    if (checks_values) {
        add_lock(e, k_unnamed, LockMode::Share, TableWork::Scan);
        add_note(e, "every table with a column of domain \"" + s.domain.qualified() +
                        "\" is locked SHARE and scanned");
    }
    return e;
}

// Statements the IR keeps only by kind: the lock comes from the docs, the
// relation is not in the IR (left unnamed; the note says which it is).
struct KindLock {
    const char* kind;
    LockMode mode;
    const char* note;  // nullptr: no table lock at all
};

constexpr KindLock k_kind_locks[] = {
    {"SelectStmt", LockMode::AccessShare,
     "the tables it reads are locked ACCESS SHARE (ROW SHARE with FOR UPDATE/SHARE)"},
    {"CreateTrigStmt", LockMode::ShareRowExclusive, "the trigger's table is locked SHARE ROW EXCLUSIVE"},
    {"CommentStmt", LockMode::ShareUpdateExclusive, "the commented object is locked SHARE UPDATE EXCLUSIVE"},
    {"CreateStatsStmt", LockMode::ShareUpdateExclusive, "the table is locked SHARE UPDATE EXCLUSIVE"},
    {"CreatePolicyStmt", LockMode::AccessExclusive, "the policy's table is locked ACCESS EXCLUSIVE"},
    {"AlterPolicyStmt", LockMode::AccessExclusive, "the policy's table is locked ACCESS EXCLUSIVE"},
    {"RuleStmt", LockMode::AccessExclusive, "the rule's table is locked ACCESS EXCLUSIVE"},
    {"ViewStmt", LockMode::AccessShare,
     "the tables the view reads are locked ACCESS SHARE; OR REPLACE locks the view ACCESS EXCLUSIVE"},
    {"CreatePublicationStmt", LockMode::ShareUpdateExclusive,
     "the tables it publishes (FOR TABLE) are locked SHARE UPDATE EXCLUSIVE; none without a table list"},
    {"AlterPublicationStmt", LockMode::ShareUpdateExclusive,
     "the tables it adds, drops or sets are locked SHARE UPDATE EXCLUSIVE"},
    {"AlterSeqStmt", LockMode::AccessShare,
     "OWNED BY locks the owning table ACCESS SHARE; the sequence is locked SHARE ROW EXCLUSIVE, so "
     "nextval() waits until the transaction ends"},
    {"TransactionStmt", LockMode::None, nullptr},
    {"VariableSetStmt", LockMode::None, nullptr},
    {"VariableShowStmt", LockMode::None, nullptr},
    {"CreateSchemaStmt", LockMode::None, nullptr},
    {"CreateSeqStmt", LockMode::None, nullptr},
    {"CreateEnumStmt", LockMode::None, nullptr},
    {"AlterEnumStmt", LockMode::None, nullptr},
    {"CreateDomainStmt", LockMode::None, nullptr},
    {"CompositeTypeStmt", LockMode::None, nullptr},
    {"CreateFunctionStmt", LockMode::None, nullptr},
    {"CreateExtensionStmt", LockMode::None, nullptr},
    {"CreateRoleStmt", LockMode::None, nullptr},
    {"NotifyStmt", LockMode::None, nullptr},
    {"DiscardStmt", LockMode::None, nullptr},
    // Privileges, roles, owners and catalog-only objects: no table lock (trace tests).
    {"GrantStmt", LockMode::None, nullptr},
    {"GrantRoleStmt", LockMode::None, nullptr},
    {"AlterDefaultPrivilegesStmt", LockMode::None, nullptr},
    {"CreateRoleStmt", LockMode::None, nullptr},
    {"AlterRoleStmt", LockMode::None, nullptr},
    {"AlterRoleSetStmt", LockMode::None, nullptr},
    {"DropRoleStmt", LockMode::None, nullptr},
    {"AlterOwnerStmt", LockMode::None, nullptr},
    {"CreateEventTrigStmt", LockMode::None, nullptr},
    {"CreateRangeStmt", LockMode::None, nullptr},
    {"DefineStmt", LockMode::None, nullptr},
    {"AlterFunctionStmt", LockMode::None, nullptr},
    {"AlterExtensionStmt", LockMode::None, nullptr},
    {"CreateCastStmt", LockMode::None, nullptr},
};

Effects by_kind(const std::string& kind) {
    Effects e;
    auto it = std::find_if(std::begin(k_kind_locks), std::end(k_kind_locks),
                           [&](const KindLock& k) { return kind == k.kind; });
    if (it == std::end(k_kind_locks)) {
        e.unknown = true;
        return e;
    }
    if (it->note != nullptr) {
        add_lock(e, k_unnamed, it->mode);
        add_note(e, it->note);
    }
    return e;
}

struct Visitor {
    const sql::Statement& statement;

    Effects operator()(const sql::Other&) const { return by_kind(statement.kind); }
    Effects operator()(const sql::AlterTable& s) const { return detail::alter_table_effects(s); }
    Effects operator()(const sql::CreateIndex& s) const { return create_index(s); }
    Effects operator()(const sql::CreateTable& s) const { return create_table(s); }
    Effects operator()(const sql::Drop& s) const { return drop(s); }
    Effects operator()(const sql::Rename& s) const { return rename(s); }
    Effects operator()(const sql::DataChange& s) const { return data_change(s); }
    Effects operator()(const sql::Transaction&) const { return {}; }
    Effects operator()(const sql::VariableSet&) const { return {}; }
    Effects operator()(const sql::Reindex& s) const { return reindex(s); }
    Effects operator()(const sql::RefreshMaterializedView& s) const { return refresh(s); }
    Effects operator()(const sql::Vacuum& s) const { return vacuum(s); }
    Effects operator()(const sql::Cluster& s) const { return cluster(s); }
    Effects operator()(const sql::LockTable& s) const { return lock_table(s); }
    Effects operator()(const sql::Truncate& s) const { return truncate(s); }
    Effects operator()(const sql::AlterDomain& s) const { return alter_domain(s); }
};

}  // namespace

Effects statement_effects(const sql::Statement& statement) {
    return std::visit(Visitor{statement}, statement.detail);
}

bool long_blocking_lock(const sql::Statement& statement, const RelationLock& lock) {
    if (lock.new_relation || lock.work == TableWork::None) return false;
    if (!lock_conflicts(lock.mode, LockMode::RowExclusive)) return false;  // reads and writes go on
    const auto* refresh = std::get_if<sql::RefreshMaterializedView>(&statement.detail);
    return refresh == nullptr || !refresh->concurrent;
}

}  // namespace pgsafe::analysis

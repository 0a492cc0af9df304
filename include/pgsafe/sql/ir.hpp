#pragma once
// The intermediate representation between libpg_query and the rest of pgsafe.
// Rules, analysis and plans see only these small value types; only src/sql/
// knows the protobuf tree they were read from.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pgsafe::sql {

// Byte offsets into the file's text, half-open [begin, end).
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
};

// A possibly schema-qualified relation name as written (schema empty = unqualified).
struct RelationName {
    std::string schema;
    std::string name;

    // "schema.name", or "name" when unqualified.
    std::string qualified() const { return schema.empty() ? name : schema + "." + name; }
    bool empty() const { return name.empty(); }
    // Could name the same relation: same name, and the schemas agree or one is unqualified.
    bool may_be(const RelationName& o) const {
        return name == o.name && (schema == o.schema || schema.empty() || o.schema.empty());
    }
    bool operator==(const RelationName& o) const { return schema == o.schema && name == o.name; }
    bool operator!=(const RelationName& o) const { return !(*this == o); }
};

// PostgreSQL's table lock modes, weakest first (the numbering of lockdefs.h).
enum class LockMode {
    None = 0,
    AccessShare = 1,
    RowShare = 2,
    RowExclusive = 3,
    ShareUpdateExclusive = 4,
    Share = 5,
    ShareRowExclusive = 6,
    Exclusive = 7,
    AccessExclusive = 8,
};

// "ACCESS EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", … as PostgreSQL spells them.
const char* lock_mode_name(LockMode mode);
// Inverse of lock_mode_name, also accepting pg_locks' "AccessExclusiveLock" spelling.
std::optional<LockMode> lock_mode_from_name(const std::string& name);

// What an expression (a column default, a USING clause) is made of, enough
// to judge volatility without a catalog.
struct ExprInfo {
    bool present = false;
    bool constant = false;                // literals, casts of literals, arrays of them
    std::vector<std::string> functions;   // lower-case names of every function called
    bool has_sql_value_function = false;  // CURRENT_TIMESTAMP, CURRENT_USER, …
    bool has_subquery = false;
    std::string not_null_column;  // "col" when the expression is exactly `col IS NOT NULL`
    Span span;
};

struct TypeName {
    std::vector<std::string> names;       // as parsed: {"pg_catalog","int4"} or {"varchar"}
    std::vector<std::int64_t> modifiers;  // integer typmods: varchar(20) -> {20}, numeric(10,2) -> {10,2}
    bool array = false;
    bool pct_type = false;  // %TYPE reference

    // Last name component, lower-case: "int4", "varchar", "timestamp", …
    const std::string& base() const;
    // SQL spelling for messages: "varchar(20)", "integer", "timestamp[]".
    std::string display() const;
};

enum class ConstraintKind {
    Null,
    NotNull,
    Default,
    Check,
    PrimaryKey,
    Unique,
    Exclusion,
    ForeignKey,
    Identity,
    Generated,
    AttrDeferrable,
    Other,
};

struct Constraint {
    ConstraintKind kind = ConstraintKind::Other;
    std::string name;  // empty when unnamed
    bool not_valid = false;
    bool deferrable = false;
    std::vector<std::string> columns;  // key columns (PK, UNIQUE, local FK columns)
    std::vector<std::string> include_columns;
    std::string using_index;  // ADD CONSTRAINT … USING INDEX name
    RelationName referenced_table;
    std::vector<std::string> referenced_columns;
    bool generated_stored = false;  // GENERATED ALWAYS AS (…) STORED
    ExprInfo expr;                  // CHECK expression, DEFAULT or generation expression
    // An unnamed CHECK's name is "<table>_<this>_check": the one column its
    // expression uses, "" when it uses none or several; nullopt for a CHECK
    // PostgreSQL names in a way pgsafe does not follow (a whole-row reference),
    // and for other kinds.
    std::optional<std::string> check_column;
    Span span;
};

struct ColumnDef {
    std::string name;
    TypeName type;
    bool not_null = false;
    bool primary_key = false;
    std::optional<Constraint> default_value;  // kind Default
    std::vector<Constraint> constraints;      // every inline constraint, in order
    Span span;

    bool is_serial() const;            // serial, bigserial, smallserial (and serial4/8/2)
    bool is_stored_generated() const;  // GENERATED ALWAYS AS (…) STORED
    bool is_identity() const;          // GENERATED … AS IDENTITY
};

// ALTER TABLE subcommands pgsafe tells apart; everything else is Other with
// its PostgreSQL subtype name kept for messages.
enum class AlterKind {
    AddColumn,
    DropColumn,
    AlterColumnType,
    SetDefault,
    DropDefault,
    SetNotNull,
    DropNotNull,
    SetStatistics,
    SetStorage,
    SetCompression,
    AddConstraint,
    ValidateConstraint,
    DropConstraint,
    AlterConstraint,
    SetOptions,
    ResetOptions,
    AttachPartition,
    DetachPartition,
    DetachPartitionFinalize,
    EnableTrigger,
    DisableTrigger,
    EnableRule,
    DisableRule,
    ClusterOn,
    SetWithoutCluster,
    SetTablespace,
    SetLogged,
    SetUnlogged,
    SetAccessMethod,
    AddIdentity,
    SetIdentity,
    DropIdentity,
    EnableRowSecurity,
    DisableRowSecurity,
    ForceRowSecurity,
    NoForceRowSecurity,
    ReplicaIdentity,
    AddInherit,
    DropInherit,
    OwnerTo,
    SetWithoutOids,
    Other,
};

// An optional value kept on the heap, with std::optional's interface. An
// ALTER TABLE subcommand holds a column definition or a constraint, seldom
// both: inline, every subcommand was 1 KB, and 40k statements cost 25 MiB.
template <typename T>
class Boxed {
public:
    Boxed() = default;
    Boxed(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): as std::optional
    Boxed(T value) : m_value(std::make_unique<T>(std::move(value))) {}  // NOLINT: as std::optional
    Boxed(const Boxed& other) : m_value(other ? std::make_unique<T>(*other) : nullptr) {}
    Boxed(Boxed&&) noexcept = default;
    Boxed& operator=(const Boxed& other) {
        if (this != &other) m_value = other ? std::make_unique<T>(*other) : nullptr;
        return *this;
    }
    Boxed& operator=(Boxed&&) noexcept = default;
    Boxed& operator=(T value) {
        m_value = std::make_unique<T>(std::move(value));
        return *this;
    }

    bool has_value() const { return m_value != nullptr; }
    explicit operator bool() const { return has_value(); }
    T& operator*() { return *m_value; }
    const T& operator*() const { return *m_value; }
    T* operator->() { return m_value.get(); }
    const T* operator->() const { return m_value.get(); }

private:
    std::unique_ptr<T> m_value;
};

struct AlterTableAction {
    AlterKind kind = AlterKind::Other;
    std::string subtype;      // libpg_query's name, e.g. "AT_AddColumn"
    std::string column;       // the column acted on, where there is one
    std::string name;         // constraint, trigger, index or partition name, where there is one
    bool missing_ok = false;  // IF EXISTS / IF NOT EXISTS
    bool cascade = false;
    bool concurrent = false;  // DETACH PARTITION … CONCURRENTLY
    // AddColumn: the new column. AlterColumnType: .type is the new type and
    // .default_value holds the USING expression, when there is one.
    Boxed<ColumnDef> column_def;
    Boxed<Constraint> constraint;  // AddConstraint
    RelationName partition;        // Attach/DetachPartition
    Span span;  // the subcommand's own span where PostgreSQL records one, else the statement's
};

enum class ObjectKind {
    Table,
    Index,
    View,
    MaterializedView,
    Sequence,
    ForeignTable,
    Type,
    Schema,
    Database,
    Column,
    Constraint,
    Trigger,
    Function,
    Extension,
    Policy,  // DROP POLICY / ALTER POLICY … RENAME: the names carry the table
    Rule,    // DROP RULE: likewise
    Other,
};

struct AlterTable {
    RelationName table;
    ObjectKind object = ObjectKind::Table;  // ALTER INDEX / VIEW / … share the statement
    bool if_exists = false;
    bool only = false;
    std::vector<AlterTableAction> actions;
};

struct IndexColumn {
    std::string name;  // empty for an expression
    bool expression = false;
};

struct CreateIndex {
    RelationName table;
    std::string name;  // empty when PostgreSQL picks it
    std::string schema_of_name;
    bool unique = false;
    bool concurrent = false;
    bool if_not_exists = false;
    bool only = false;
    bool partial = false;  // has WHERE
    std::string access_method;
    std::vector<IndexColumn> columns;
};

struct CreateTable {
    RelationName table;
    bool if_not_exists = false;
    bool temporary = false;
    bool unlogged = false;
    bool partitioned = false;  // PARTITION BY
    bool as_select = false;    // CREATE TABLE … AS / SELECT INTO
    RelationName partition_of;
    std::vector<RelationName> inherits;  // INHERITS (…)
    std::vector<ColumnDef> columns;
    std::vector<Constraint> constraints;  // table constraints
};

struct Drop {
    ObjectKind object = ObjectKind::Other;
    std::vector<RelationName> names;  // for functions/types: the name only
    bool concurrent = false;
    bool if_exists = false;
    bool cascade = false;
};

struct Rename {
    ObjectKind object = ObjectKind::Other;  // what is renamed: Table, Column, Index, Constraint, …
    ObjectKind relation_kind = ObjectKind::Table;
    RelationName relation;  // the table (or index, view …) renamed or holding the thing
    std::string old_name;   // column / constraint name for sub-object renames
    std::string new_name;
    bool missing_ok = false;
};

enum class DataChangeKind { Insert, Update, Delete, Merge };

struct DataChange {
    DataChangeKind kind = DataChangeKind::Update;
    RelationName table;
    bool has_where = false;
    bool has_returning = false;
    bool from_select = false;  // INSERT … SELECT, UPDATE … FROM
};

enum class TransactionKind {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    Prepare,
    CommitPrepared,
    RollbackPrepared,
};

struct Transaction {
    TransactionKind kind = TransactionKind::Begin;
    bool chain = false;  // COMMIT AND CHAIN, ROLLBACK AND CHAIN: a new transaction starts at once
};

struct VariableSet {
    std::string name;   // lower-case, e.g. "lock_timeout"
    std::string value;  // as written, quotes removed; empty for RESET / DEFAULT
    bool local = false;
    bool reset = false;
};

enum class ReindexKind { Index, Table, Schema, System, Database };

struct Reindex {
    ReindexKind kind = ReindexKind::Index;
    RelationName relation;  // index or table
    std::string name;       // schema / database name
    bool concurrent = false;
};

struct RefreshMaterializedView {
    RelationName view;
    bool concurrent = false;
    bool with_no_data = false;
};

struct Vacuum {
    bool is_vacuum = true;  // false: ANALYZE
    bool full = false;
    std::vector<RelationName> tables;
};

struct Cluster {
    RelationName table;  // empty: CLUSTER of every previously clustered table
    std::string index;
};

struct LockTable {
    std::vector<RelationName> tables;
    LockMode mode = LockMode::AccessExclusive;
    bool nowait = false;
};

struct Truncate {
    std::vector<RelationName> tables;
    bool cascade = false;
};

// ALTER DOMAIN: the subcommands that check existing values (ADD CONSTRAINT
// without NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL) scan every column of
// the domain in every table; the others only change the catalog.
enum class AlterDomainKind { AddConstraint, ValidateConstraint, SetNotNull, Other };

struct AlterDomain {
    RelationName domain;
    AlterDomainKind kind = AlterDomainKind::Other;
    bool not_valid = false;  // ADD CONSTRAINT … NOT VALID
};

struct CreateDatabase {};

// A statement the IR does not model further. `creates`: the relation a
// CREATE VIEW, SEQUENCE, TYPE … AS (…) or FOREIGN TABLE makes (its name is
// one an unnamed index's default name must avoid); empty otherwise.
struct Other {
    RelationName creates;
};

using Detail = std::variant<Other, AlterTable, CreateIndex, CreateTable, Drop, Rename, DataChange,
                            Transaction, VariableSet, Reindex, RefreshMaterializedView, Vacuum, Cluster,
                            LockTable, Truncate, AlterDomain>;

struct Statement {
    Span span;         // from the first token to the last, without the ';' or surrounding comments
    std::string kind;  // libpg_query node name, e.g. "AlterTableStmt", "SelectStmt"
    Detail detail;
    std::size_t tree_index = 0;  // position in the parse tree (for rewrites), see ParsedFile
    // What the statement is ("VACUUM", "CREATE DATABASE", "DISCARD ALL", …) when
    // PostgreSQL runs it only outside a transaction block (25001), else "".
    std::string outside_transaction_block;
    bool copy_from_stdin = false;  // COPY … FROM STDIN: its data comes from the client
};

struct Comment {
    Span span;
    std::string text;  // without the leading "--" or "/*", "*/"
    bool block = false;
};

struct SyntaxError {
    std::size_t offset = 0;  // byte offset of PostgreSQL's error position
    std::string message;     // PostgreSQL's message, e.g. syntax error at or near "TABL"
};

}  // namespace pgsafe::sql

// Which relation names may be taken, so a rewrite that names an index
// itself (the unique index behind ADD PRIMARY KEY, an unnamed CREATE INDEX)
// never builds it under a name that already exists: PostgreSQL would have
// numbered it or dropped the old one in the same statement, pgsafe's step
// would fail. Names come from the table facts (live database or snapshot),
// from earlier statements of the pending set, and from the statement itself.

#include "rewrite.hpp"

#include "pgsafe/sql/pg_names.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::plan::detail {
namespace {

// The name PostgreSQL gives a PRIMARY KEY or UNIQUE constraint's index; empty for other constraints.
std::string key_index_name(const std::string& table, const sql::Constraint& c,
                           const std::vector<std::string>& columns) {
    if (c.kind != sql::ConstraintKind::PrimaryKey && c.kind != sql::ConstraintKind::Unique) return {};
    if (!c.name.empty()) return c.name;
    if (!c.using_index.empty()) return c.using_index;  // ADD … USING INDEX takes the index's name
    if (c.kind == sql::ConstraintKind::PrimaryKey) return sql::make_object_name(table, "", "pkey");
    // Named after the key columns and then the INCLUDE columns, as the index it makes.
    std::vector<std::string> named_after = columns;
    named_after.insert(named_after.end(), c.include_columns.begin(), c.include_columns.end());
    return sql::make_object_name(table, sql::name_addition(named_after), "key");
}

// The facts' names of `schema` that no table fact lists, or nullptr.
const analysis::SchemaNames* other_names(const analysis::TableFacts& facts, const std::string& schema) {
    if (!facts.other_names()) return nullptr;
    auto it = facts.other_names()->find(schema);
    return it == facts.other_names()->end() ? nullptr : &it->second;
}

// The schema `table` is in: where the facts found it (`fact`), else as written, else the search path's first.
std::string schema_of(const analysis::TableFacts& facts, const analysis::TableFact* fact,
                      const sql::RelationName& table) {
    if (fact != nullptr) return fact->schema;
    return table.schema.empty() ? facts.search_path().front() : table.schema;
}

}  // namespace

void RelationNames::add(const sql::RelationName& table, const std::string& name) {
    if (!name.empty()) m_names.insert(m_pending.key(sql::RelationName{table.schema, name}));
}

bool RelationNames::seen(const sql::RelationName& table, const std::string& name) const {
    return m_names.count(m_pending.key(sql::RelationName{table.schema, name})) > 0;
}

bool RelationNames::reshaped(const sql::RelationName& table) const {
    return m_reshaped.count(m_pending.key(table)) > 0;
}

bool RelationNames::index_dropped(const sql::RelationName& index) const {
    return m_dropped_indexes.count(m_pending.key(index)) > 0;
}

bool RelationNames::made_nullable(const sql::RelationName& table, const std::string& column) const {
    return m_nullable.count(m_pending.key(table) + '\n' + column) > 0;
}

bool RelationNames::triggers_added(const sql::RelationName& table) const {
    return m_created_trigger || m_enabled_triggers.count(m_pending.key(table)) > 0;
}

bool RelationNames::rules_added(const sql::RelationName& table) const {
    return m_created_rule || m_enabled_rules.count(m_pending.key(table)) > 0;
}

bool RelationNames::constraints_added(const sql::RelationName& table) const {
    return m_inherit_added || m_constrained.count(m_pending.key(table)) > 0;
}

void RelationNames::record_constraints(const sql::Statement& statement) {
    auto constrained = [&](const sql::RelationName& table) { m_constrained.insert(m_pending.key(table)); };
    // A constraint of `table`: unique, exclusion and foreign keys check rows against other rows.
    auto constraint = [&](const sql::RelationName& table, const sql::Constraint& c) {
        if (c.kind == sql::ConstraintKind::ForeignKey && !c.referenced_table.empty())
            constrained(c.referenced_table);
        if (c.kind == sql::ConstraintKind::ForeignKey || c.kind == sql::ConstraintKind::Unique ||
            c.kind == sql::ConstraintKind::PrimaryKey || c.kind == sql::ConstraintKind::Exclusion)
            constrained(table);
    };
    if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        for (const auto& c : create->constraints) constraint(create->table, c);
        for (const auto& column : create->columns)
            for (const auto& c : column.constraints) constraint(create->table, c);
        if (!create->partition_of.empty()) constrained(create->partition_of);
        for (const auto& parent : create->inherits) constrained(parent);
    } else if (const auto* index = std::get_if<sql::CreateIndex>(&statement.detail)) {
        if (index->unique) constrained(index->table);
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.constraint) constraint(alter->table, *action.constraint);
            if (action.column_def)
                for (const auto& c : action.column_def->constraints) constraint(alter->table, c);
            if (action.kind == sql::AlterKind::AttachPartition) constrained(alter->table);
            if (action.kind == sql::AlterKind::AddInherit) m_inherit_added = true;
            if (action.kind == sql::AlterKind::EnableRule)
                m_enabled_rules.insert(m_pending.key(alter->table));
        }
    }
}

void RelationNames::constraint_created(const sql::RelationName& table, const sql::Constraint& c,
                                       const std::vector<std::string>& columns) {
    auto named = [&](const std::string& name) {
        m_constraint_names.insert(m_pending.key(sql::RelationName{table.schema, name}));
    };
    switch (c.kind) {
        case sql::ConstraintKind::PrimaryKey:
        case sql::ConstraintKind::Unique: named(key_index_name(table.name, c, columns)); return;
        case sql::ConstraintKind::ForeignKey:
            named(c.name.empty() ? sql::make_object_name(table.name, sql::name_addition(columns), "fkey")
                                 : c.name);
            return;
        case sql::ConstraintKind::Check:
            if (!c.name.empty())
                named(c.name);
            else if (c.check_column)
                named(sql::make_object_name(table.name, *c.check_column, "check"));
            else if (m_unfollowed_constraint.empty())
                m_unfollowed_constraint =
                    fmt::format("an unnamed CHECK of \"{}\" that reads a whole row", table.name);
            return;
        case sql::ConstraintKind::Exclusion:
            if (!c.name.empty())
                named(c.name);
            else if (m_unfollowed_constraint.empty())
                m_unfollowed_constraint = fmt::format("an unnamed EXCLUDE constraint of \"{}\"", table.name);
            return;
        default: return;  // NOT NULL, DEFAULT, identity, generated: no pg_constraint row in PostgreSQL 15
    }
}

void RelationNames::record_constraint_names(const sql::Statement& statement) {
    if (statement.kind == "CreateDomainStmt" && m_unfollowed_constraint.empty())
        m_unfollowed_constraint = "a domain's constraint (CREATE DOMAIN)";
    if (const auto* domain = std::get_if<sql::AlterDomain>(&statement.detail)) {
        if (domain->kind == sql::AlterDomainKind::AddConstraint && m_unfollowed_constraint.empty())
            m_unfollowed_constraint = "a domain's constraint (ALTER DOMAIN … ADD)";
    } else if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        for (const auto& c : create->constraints) constraint_created(create->table, c, c.columns);
        for (const auto& column : create->columns)
            for (const auto& c : column.constraints) constraint_created(create->table, c, {column.name});
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.kind == sql::AlterKind::AddConstraint && action.constraint)
                constraint_created(alter->table, *action.constraint, action.constraint->columns);
            if (action.kind == sql::AlterKind::AddColumn && action.column_def)
                for (const auto& c : action.column_def->constraints)
                    constraint_created(alter->table, c, {action.column_def->name});
        }
    } else if (const auto* rename = std::get_if<sql::Rename>(&statement.detail)) {
        // A constraint renamed, or an index (which renames its constraint).
        if (rename->object == sql::ObjectKind::Constraint || rename->object == sql::ObjectKind::Index)
            m_constraint_names.insert(
                m_pending.key(sql::RelationName{rename->relation.schema, rename->new_name}));
    }
}

std::optional<std::string> RelationNames::constraint_named(const sql::RelationName& table,
                                                           const std::string& name) const {
    if (m_constraint_names.count(m_pending.key(sql::RelationName{table.schema, name})) > 0)
        return fmt::format("an earlier statement creates a constraint named \"{}\"", name);
    if (!m_unfollowed_constraint.empty())
        return fmt::format("an earlier statement creates {}, whose name pgsafe does not follow",
                           m_unfollowed_constraint);
    return std::nullopt;
}

std::optional<bool> RelationNames::refreshed(const sql::RelationName& view) const {
    auto it = m_refreshed.find(m_pending.key(view));
    if (it == m_refreshed.end()) return std::nullopt;
    return it->second;
}

void RelationNames::record(const sql::Statement& statement) {
    if (statement.kind == "CreateTrigStmt") m_created_trigger = true;
    if (statement.kind == "RuleStmt") m_created_rule = true;
    record_constraints(statement);
    record_constraint_names(statement);
    // A view, sequence, composite type or foreign table: its name is a relation's.
    if (const auto* other = std::get_if<sql::Other>(&statement.detail))
        if (!other->creates.empty()) add(other->creates, other->creates.name);
    auto column_keys = [&](const sql::RelationName& table, const sql::ColumnDef& column) {
        for (const auto& c : column.constraints) add(table, key_index_name(table.name, c, {column.name}));
    };
    if (const auto* refresh = std::get_if<sql::RefreshMaterializedView>(&statement.detail))
        m_refreshed[m_pending.key(refresh->view)] = !refresh->with_no_data;
    if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        m_refreshed.erase(m_pending.key(create->table));  // a new view: populated as its CREATE says
        add(create->table, create->table.name);
        for (const auto& c : create->constraints)
            add(create->table, key_index_name(create->table.name, c, c.columns));
        for (const auto& column : create->columns) column_keys(create->table, column);
    } else if (const auto* index = std::get_if<sql::CreateIndex>(&statement.detail)) {
        std::string name = index->name;
        if (name.empty()) {
            std::vector<std::string> columns;
            for (const auto& c : index->columns) columns.push_back(c.expression ? "expr" : c.name);
            // "_idx" for a unique one too: only a constraint's index ends in "_key".
            name = sql::make_object_name(index->table.name, sql::name_addition(columns), "idx");
        }
        add(index->table, name);
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.constraint)
                add(alter->table,
                    key_index_name(alter->table.name, *action.constraint, action.constraint->columns));
            if (action.kind == sql::AlterKind::AddColumn && action.column_def)
                column_keys(alter->table, *action.column_def);
            if (action.kind == sql::AlterKind::DropColumn || action.kind == sql::AlterKind::AlterColumnType ||
                action.kind == sql::AlterKind::DropConstraint || action.kind == sql::AlterKind::AddConstraint)
                m_reshaped.insert(m_pending.key(alter->table));
            if (action.kind == sql::AlterKind::DropNotNull)
                m_nullable.insert(m_pending.key(alter->table) + '\n' + action.column);
            if (action.kind == sql::AlterKind::EnableTrigger)
                m_enabled_triggers.insert(m_pending.key(alter->table));
        }
    } else if (const auto* drop = std::get_if<sql::Drop>(&statement.detail)) {
        if (drop->object == sql::ObjectKind::Index) {
            for (const auto& name : drop->names) m_dropped_indexes.insert(m_pending.key(name));
        }
    } else if (const auto* rename = std::get_if<sql::Rename>(&statement.detail)) {
        // A renamed relation, or a renamed constraint (its index is renamed with it).
        add(rename->relation, rename->new_name);
        if (!rename->old_name.empty()) add(rename->relation, rename->old_name);
        add(rename->relation, rename->relation.name);
        // A renamed column or constraint (ory-hydra renames `pk` and adds a new `pk`), or a
        // table renamed: facts found under either name may describe another shape.
        m_reshaped.insert(m_pending.key(rename->relation));
        if (rename->object == sql::ObjectKind::Table)
            m_reshaped.insert(m_pending.key(sql::RelationName{rename->relation.schema, rename->new_name}));
    }
}

std::optional<std::string> RewriteContext::constraint_name_taken(const sql::RelationName& table,
                                                                 const std::string& name) const {
    const analysis::TableFact* own = facts.find(table);
    if (own != nullptr && (!own->constraint_names || !facts.other_names()))
        return std::string(
            "the table facts do not list the schema's constraint names (give --db, or a snapshot from "
            "this version's `pgsafe stats export`)");
    const std::string schema = schema_of(facts, own, table);
    for (const auto& t : facts.tables()) {
        if (t.schema != schema || !t.constraint_names) continue;
        const auto& names = *t.constraint_names;
        if (std::find(names.begin(), names.end(), name) != names.end())
            return fmt::format("the database has a constraint named \"{}\" (on \"{}\")", name, t.name);
    }
    if (const auto* other = other_names(facts, schema)) {
        if (std::find(other->constraints.begin(), other->constraints.end(), name) != other->constraints.end())
            return fmt::format("the database has a constraint named \"{}\" (of a domain or a foreign table)",
                               name);
    }
    return names.constraint_named(table, name);
}

std::optional<std::string> RewriteContext::name_clash(const sql::RelationName& table, const std::string& name,
                                                      bool chosen) const {
    // The statement drops a constraint or index of that name: it exists until the statement runs.
    if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.kind == sql::AlterKind::DropConstraint && action.name == name)
                return fmt::format(
                    "the statement drops \"{}\" and builds a new one of that name, "
                    "so the new index cannot be built before it runs",
                    name);
        }
    }
    if (names.seen(table, name))
        return fmt::format("an earlier statement creates or renames a relation named \"{}\"", name);
    const analysis::TableFact* own = facts.find(table);
    if (chosen && own != nullptr && !facts.other_names())
        return std::string(
            "the table facts do not list the schema's views and sequences (give --db, or a snapshot from "
            "this version's `pgsafe stats export`)");
    const std::string schema = schema_of(facts, own, table);
    for (const auto& t : facts.tables()) {
        if (t.schema != schema) continue;
        if (t.name == name) return fmt::format("the database has a relation named \"{}\"", name);
        for (const auto& i : t.indexes) {
            if (i.name == name)
                return fmt::format("the database has an index named \"{}\" (on \"{}\")", name, t.name);
        }
    }
    if (const auto* other = other_names(facts, schema)) {
        if (std::find(other->relations.begin(), other->relations.end(), name) != other->relations.end())
            return fmt::format("the database has a view, sequence, type or foreign table named \"{}\"", name);
    }
    return std::nullopt;
}

}  // namespace pgsafe::plan::detail

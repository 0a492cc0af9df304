// The pending set: what earlier statements of the migrations being linted
// created, keyed by schema-qualified name.

#include "pgsafe/rules/pending_set.hpp"

#include <algorithm>

namespace pgsafe::rules {

PendingSet::PendingSet(std::vector<std::string> search_path) : m_search_path(std::move(search_path)) {
    if (m_search_path.empty()) m_search_path.push_back("public");
}

std::string PendingSet::key(const sql::RelationName& relation) const {
    return (relation.schema.empty() ? m_search_path.front() : relation.schema) + "." + relation.name;
}

PendingSet::PendingSet(const analysis::TableFacts& before) : PendingSet(before.search_path()) {
    for (const auto& t : before.tables()) m_existing.insert(key({t.schema, t.name}));
}

void PendingSet::record_tables(const sql::Statement& statement) {
    if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        if (create->table.empty()) return;
        if (create->if_not_exists && m_existing.count(key(create->table)) > 0) return;  // already there
        m_tables.insert(key(create->table));
        if (create->partitioned) m_partitioned.insert(key(create->table));
    } else if (const auto* rename = std::get_if<sql::Rename>(&statement.detail)) {
        if (rename->object != sql::ObjectKind::Table) return;
        if (created(rename->relation))
            renamed(*rename);
        else  // another table now holds the name: not the new one
            forget_table(key({rename->relation.schema, rename->new_name}));
    } else if (const auto* drop = std::get_if<sql::Drop>(&statement.detail)) {
        if (drop->object != sql::ObjectKind::Table) return;
        for (const auto& table : drop->names) forget_table(key(table));
    }
}

void PendingSet::forget_table(const std::string& table) {
    m_tables.erase(table);
    m_partitioned.erase(table);
}

// A table the pending set created, renamed: still that (empty) table, under its new name only.
void PendingSet::renamed(const sql::Rename& rename) {
    const std::string from = key(rename.relation);
    const sql::RelationName to_name{rename.relation.schema, rename.new_name};
    const std::string to = key(to_name);
    auto move = [&](std::set<std::string>& names) {
        if (names.erase(from) > 0) names.insert(to);
    };
    move(m_tables);
    move(m_partitioned);
    move(m_unique);
    if (auto it = m_indexes.find(from); it != m_indexes.end()) {
        auto columns = std::move(it->second);
        m_indexes.erase(it);
        for (auto& c : columns) m_indexes[to].push_back(std::move(c));
    }
    for (auto& [index, table] : m_index_tables)
        if (key(table) == from) table = to_name;
}

void PendingSet::add_index(const sql::RelationName& table, std::vector<std::string> columns) {
    if (!columns.empty()) m_indexes[key(table)].push_back(std::move(columns));
}

void PendingSet::record_indexes(const sql::Statement& statement) {
    auto key_constraints = [&](const sql::RelationName& table,
                               const std::vector<sql::Constraint>& constraints) {
        for (const auto& c : constraints) {
            if (c.kind == sql::ConstraintKind::PrimaryKey || c.kind == sql::ConstraintKind::Unique)
                add_index(table, c.columns);
        }
    };
    auto column_keys = [&](const sql::RelationName& table, const sql::ColumnDef& column) {
        for (const auto& c : column.constraints) {
            if (c.kind == sql::ConstraintKind::PrimaryKey || c.kind == sql::ConstraintKind::Unique)
                add_index(table, {column.name});
        }
    };
    if (const auto* index = std::get_if<sql::CreateIndex>(&statement.detail)) {
        if (index->partial) return;  // a partial index does not serve every foreign-key lookup
        std::vector<std::string> columns;
        for (const auto& c : index->columns) columns.push_back(c.name);
        bool plain_columns = std::none_of(index->columns.begin(), index->columns.end(),
                                          [](const sql::IndexColumn& c) { return c.expression; });
        if (index->unique && plain_columns) m_unique.insert(key(index->table));
        if (!index->name.empty() && partitioned(index->table))
            m_partitioned_indexes.insert(key(sql::RelationName{index->table.schema, index->name}));
        add_index(index->table, std::move(columns));
    } else if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        key_constraints(create->table, create->constraints);
        for (const auto& column : create->columns) column_keys(create->table, column);
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.constraint) key_constraints(alter->table, {*action.constraint});
            if (action.kind == sql::AlterKind::AddColumn && action.column_def)
                column_keys(alter->table, *action.column_def);
        }
    }
}

void PendingSet::record_index_names(const sql::Statement& statement) {
    // An index lives in its table's schema.
    auto add = [&](const sql::RelationName& table, const std::string& name) {
        if (!name.empty()) m_index_tables[key(sql::RelationName{table.schema, name})] = table;
    };
    if (const auto* index = std::get_if<sql::CreateIndex>(&statement.detail)) {
        // IF NOT EXISTS may have kept another table's index of that name.
        if (!index->if_not_exists) add(index->table, index->name);
    } else if (const auto* create = std::get_if<sql::CreateTable>(&statement.detail)) {
        for (const auto& c : create->constraints)
            if (c.kind == sql::ConstraintKind::PrimaryKey || c.kind == sql::ConstraintKind::Unique)
                add(create->table, c.name);
    } else if (const auto* alter = std::get_if<sql::AlterTable>(&statement.detail)) {
        for (const auto& action : alter->actions) {
            if (action.kind != sql::AlterKind::AddConstraint || !action.constraint) continue;
            auto kind = action.constraint->kind;
            if (kind == sql::ConstraintKind::PrimaryKey || kind == sql::ConstraintKind::Unique)
                add(alter->table, action.constraint->name);
        }
    } else if (const auto* drop = std::get_if<sql::Drop>(&statement.detail)) {
        for (const auto& name : drop->names) {
            m_index_tables.erase(key(name));
            if (drop->object != sql::ObjectKind::Index) {  // a table's indexes go with it
                for (auto it = m_index_tables.begin(); it != m_index_tables.end();)
                    it = key(it->second) == key(name) ? m_index_tables.erase(it) : std::next(it);
            }
        }
    } else if (const auto* rename = std::get_if<sql::Rename>(&statement.detail)) {
        // Whatever now holds the new name (an index renamed, or a constraint's index) is not known here.
        m_index_tables.erase(key(sql::RelationName{rename->relation.schema, rename->new_name}));
        if (rename->object != sql::ObjectKind::Column && rename->old_name.empty())
            m_index_tables.erase(key(rename->relation));
    }
}

std::optional<sql::RelationName> PendingSet::table_of_index(const sql::RelationName& index) const {
    auto it = m_index_tables.find(key(index));
    if (it == m_index_tables.end()) return std::nullopt;
    return it->second;
}

bool PendingSet::created(const sql::RelationName& table) const {
    return m_tables.count(key(table)) > 0;
}

bool PendingSet::partitioned(const sql::RelationName& table) const {
    return m_partitioned.count(key(table)) > 0;
}

bool PendingSet::partitioned_index(const sql::RelationName& index) const {
    return m_partitioned_indexes.count(key(index)) > 0;
}

bool PendingSet::has_unique_index(const sql::RelationName& relation) const {
    return m_unique.count(key(relation)) > 0;
}

bool PendingSet::has_index_starting_with(const sql::RelationName& table,
                                         const std::vector<std::string>& columns) const {
    auto it = m_indexes.find(key(table));
    if (it == m_indexes.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(), [&](const std::vector<std::string>& index) {
        return index.size() >= columns.size() && std::equal(columns.begin(), columns.end(), index.begin());
    });
}

}  // namespace pgsafe::rules

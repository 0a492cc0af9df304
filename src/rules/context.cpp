// What a rule can ask about the statement it looks at: table sizes (live,
// snapshot or pending set), indexes, and text; and how its findings get their
// severity: size-aware for availability rules, overridden by configuration.

#include "pgsafe/rules/pending_set.hpp"
#include "pgsafe/rules/rule.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::rules {

const char* rule_group_name(RuleGroup group) {
    switch (group) {
        case RuleGroup::Availability: return "availability";
        case RuleGroup::Correctness: return "correctness";
        case RuleGroup::ExternalRunner: return "external-runner";
        case RuleGroup::Style: return "style";
        case RuleGroup::Meta: return "meta";
    }
    return "availability";
}

Context::Context(const sql::ParsedFile& file, const std::vector<StatementInfo>& statements,
                 const analysis::TableFacts& facts, const PendingSet& pending, const LintOptions& options)
    : m_file(file), m_statements(statements), m_facts(facts), m_pending(pending), m_options(options) {
    for (size_t i = 0; i < statements.size(); ++i) {
        const auto* alter = std::get_if<sql::AlterTable>(&statements[i].statement->detail);
        if (alter == nullptr) continue;
        m_alters_by_name[alter->table.name].push_back(i);
        bool constraints = std::any_of(alter->actions.begin(), alter->actions.end(), [](const auto& a) {
            return a.kind == sql::AlterKind::AddConstraint || a.kind == sql::AlterKind::ValidateConstraint ||
                   a.kind == sql::AlterKind::DropConstraint;
        });
        if (constraints) m_constraint_alters_by_name[alter->table.name].push_back(i);
    }
}

namespace {

const std::vector<size_t>& indices_named(const std::unordered_map<std::string, std::vector<size_t>>& index,
                                         const std::string& name) {
    static const std::vector<size_t> k_none;
    auto it = index.find(name);
    return it == index.end() ? k_none : it->second;
}

}  // namespace

const std::vector<size_t>& Context::alter_tables_named(const std::string& name) const {
    return indices_named(m_alters_by_name, name);
}

const std::vector<size_t>& Context::constraint_alters_named(const std::string& name) const {
    return indices_named(m_constraint_alters_by_name, name);
}

SizeClass Context::size_class(const sql::RelationName& table) const {
    if (m_pending.created(table)) return SizeClass::New;
    const analysis::TableFact* fact = m_facts.find(table);
    if (fact == nullptr) return SizeClass::Unknown;
    const auto& t = m_options.thresholds;
    bool large = fact->rows >= t.large_table_rows || fact->bytes >= t.large_table_bytes;
    return large ? SizeClass::Large : SizeClass::Small;
}

std::string Context::describe(const sql::RelationName& table) const {
    std::string name = fmt::format("\"{}\"", table.qualified());
    if (m_pending.created(table)) return name + " (created in this migration set)";
    if (const analysis::TableFact* fact = m_facts.find(table))
        return fmt::format("{} ({})", name, analysis::describe_size(*fact));
    return name;
}

bool Context::created_in_pending_set(const sql::RelationName& table) const {
    return m_pending.created(table);
}

std::optional<sql::RelationName> Context::table_of_index(const sql::RelationName& index) const {
    return m_pending.table_of_index(index);
}

bool Context::has_index_starting_with(const sql::RelationName& table,
                                      const std::vector<std::string>& columns) const {
    if (m_pending.has_index_starting_with(table, columns)) return true;
    const analysis::TableFact* fact = m_facts.find(table);
    if (fact == nullptr) return false;
    return std::any_of(fact->indexes.begin(), fact->indexes.end(), [&](const analysis::IndexFact& index) {
        return index.valid && index.columns.size() >= columns.size() &&
               std::equal(columns.begin(), columns.end(), index.columns.begin());
    });
}

std::string_view Context::text(sql::Span span) const {
    std::string_view all(m_file.text);
    if (span.begin > all.size()) return {};
    return all.substr(span.begin, std::min(span.end, all.size()) - span.begin);
}

void Emitter::report(Report r) {
    Severity severity = m_rule.severity;
    if (auto it = m_ctx.options().severities.find(m_rule.name); it != m_ctx.options().severities.end())
        severity = it->second;
    if (m_rule.group == RuleGroup::Availability && r.table) {
        switch (m_ctx.size_class(*r.table)) {
            case SizeClass::New: return;  // an empty table locks nobody out
            case SizeClass::Small: severity = Severity::Info; break;
            case SizeClass::Unknown:
                if (!m_ctx.options().unknown_size_is_large) severity = Severity::Info;
                break;
            case SizeClass::Large: break;
        }
    }
    Finding f;
    f.rule = m_rule.name;
    f.severity = severity;
    f.span = r.span;
    f.message = std::move(r.message);
    f.help = std::move(r.help);
    if (r.table) f.table = r.table->qualified();
    sql::LockMode lock = r.lock.value_or(m_ctx.current().effects.strongest());
    if (lock != sql::LockMode::None) f.lock = lock;
    f.fix = std::move(r.fix);
    m_out.push_back(std::move(f));
}

}  // namespace pgsafe::rules

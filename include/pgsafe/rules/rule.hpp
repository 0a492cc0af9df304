#pragma once
// A rule: metadata (data, shown by `pgsafe rules` and used in docs, config,
// ignore comments) and a check called once per statement, in file order,
// with a Context that can see the whole file and what came before it.

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/analysis/table_facts.hpp"
#include "pgsafe/rules/finding.hpp"
#include "pgsafe/rules/options.hpp"
#include "pgsafe/sql/parse.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pgsafe::rules {

enum class RuleGroup {
    Availability,    // locks and scans: size-aware (info on small tables, silent on new ones)
    Correctness,     // breaking or broken changes: not size-aware
    ExternalRunner,  // off unless --runner external
    Style,           // info by default
    Meta,            // syntax-error, unused-ignore, invalid-ignore
};

const char* rule_group_name(RuleGroup group);

struct RuleInfo {
    std::string name;  // stable kebab-case name
    std::string summary;
    RuleGroup group = RuleGroup::Availability;
    Severity severity = Severity::Error;  // default severity
    bool on_by_default = true;
    std::string lock;  // the lock and effect, for docs: "SHARE ROW EXCLUSIVE on both tables; scans"
    std::string safe_alternative;  // what to do instead
};

enum class SizeClass {
    New,      // created earlier in the pending set: empty
    Small,    // below both thresholds
    Large,    // at or above a threshold
    Unknown,  // no facts
};

struct StatementInfo {
    const sql::Statement* statement = nullptr;
    analysis::Effects effects;
    // Explicit BEGIN … COMMIT block this statement is in (0 = none). SQL run
    // by a DO block or a function is in its caller's block, or in a block of
    // its own when the caller is outside one: the body runs as one transaction.
    size_t transaction = 0;
    bool begins_transaction = false;
    // SQL a PL/pgSQL body runs (linted right after the statement that runs
    // it): the DO block or function it is in and where in the body it is; null
    // for the file's own statements.
    const sql::Routine* routine = nullptr;
    const sql::RoutineStatement* in_body = nullptr;
    // The file's statement that runs this one: its own index for the file's
    // statements, the DO or the call for SQL inside a body.
    size_t top = 0;
    // Bodies this statement runs that are linted right after it: a DO's own,
    // or a function's it calls (each function's body is linted at its first call).
    std::vector<const sql::Routine*> runs;
};

class PendingSet;

// The file being linted and everything known about its tables, positioned at
// one statement.
class Context {
public:
    Context(const sql::ParsedFile& file, const std::vector<StatementInfo>& statements,
            const analysis::TableFacts& facts, const PendingSet& pending, const LintOptions& options);

    const sql::ParsedFile& file() const { return m_file; }
    const std::vector<StatementInfo>& statements() const { return m_statements; }
    size_t index() const { return m_index; }
    const StatementInfo& current() const { return m_statements[m_index]; }
    const sql::Statement& statement() const { return *current().statement; }
    const LintOptions& options() const { return m_options; }
    void set_index(size_t index) { m_index = index; }

    SizeClass size_class(const sql::RelationName& table) const;
    // "\"measurements\" (41 M rows, 6.2 GB)", or just the quoted name when size is unknown.
    std::string describe(const sql::RelationName& table) const;
    // Created by an earlier statement of the pending set (this file or an earlier one).
    bool created_in_pending_set(const sql::RelationName& table) const;
    // The table of an index created by name earlier in the pending set (PendingSet::table_of_index).
    std::optional<sql::RelationName> table_of_index(const sql::RelationName& index) const;
    // An index (live, or anywhere in the pending set) whose leading columns are `columns`.
    bool has_index_starting_with(const sql::RelationName& table,
                                 const std::vector<std::string>& columns) const;
    // The text of a span, for messages.
    std::string_view text(sql::Span span) const;
    // Indices of this file's ALTER TABLE statements on a table of that name
    // (any schema), in file order: look-backs visit these, not every statement.
    const std::vector<size_t>& alter_tables_named(const std::string& name) const;
    // The same, only those that add, validate or drop a constraint: a look-back
    // at constraints per SET NOT NULL stays short in a file of many ALTERs.
    const std::vector<size_t>& constraint_alters_named(const std::string& name) const;

private:
    const sql::ParsedFile& m_file;
    const std::vector<StatementInfo>& m_statements;
    const analysis::TableFacts& m_facts;
    const PendingSet& m_pending;
    const LintOptions& m_options;
    size_t m_index = 0;
    std::unordered_map<std::string, std::vector<size_t>> m_alters_by_name;
    std::unordered_map<std::string, std::vector<size_t>> m_constraint_alters_by_name;
};

// Collects a rule's findings on the current statement.
class Emitter {
public:
    Emitter(const RuleInfo& rule, const Context& ctx, std::vector<Finding>& out)
        : m_rule(rule), m_ctx(ctx), m_out(out) {}

    struct Report {
        sql::Span span;
        std::string message;
        std::string help;
        std::optional<sql::RelationName> table;  // drives size-aware severity
        std::optional<std::string> fix;
        std::optional<sql::LockMode> lock;  // default: the statement's strongest lock
    };
    void report(Report r);

private:
    const RuleInfo& m_rule;
    const Context& m_ctx;
    std::vector<Finding>& m_out;
};

struct Rule {
    RuleInfo info;
    void (*check)(const Context& ctx, Emitter& emit) = nullptr;
};

// Every rule, in catalog order. The single list lives in src/rules/registry.cpp.
const std::vector<Rule>& registry();
const Rule* find_rule(std::string_view name);

}  // namespace pgsafe::rules

// The lint engine: syntax errors first, then every enabled rule over every
// statement in order (the pending set growing as tables are created), then
// ignore comments, and findings sorted by position.

#include "pgsafe/rules/lint.hpp"

#include "pgsafe/rules/ignore.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::rules {
namespace {

Finding syntax_error(const sql::SyntaxError& error) {
    Finding f;
    f.rule = rule_id::k_syntax_error;
    f.severity = Severity::Error;
    f.span = sql::Span{error.offset, error.offset};
    f.message = error.message;
    f.help = "Fix the statement so PostgreSQL can parse it; pgsafe checks nothing else in it.";
    return f;
}

bool enabled(const Rule& rule, const LintOptions& options) {
    if (rule.check == nullptr || options.excluded.count(rule.info.name) > 0) return false;
    if (options.included.count(rule.info.name) > 0) return true;
    if (rule.info.group == RuleGroup::ExternalRunner) return options.runner == Runner::External;
    return rule.info.on_by_default;
}

// Statements whose safe form runs in transactions of its own (CONCURRENTLY,
// NOT VALID then VALIDATE, batches, a split block): inside a PL/pgSQL body,
// which runs as one transaction, they have to move out of the body first.
constexpr const char* k_needs_own_transaction[] = {
    rule_id::k_adding_foreign_key_constraint,
    rule_id::k_constraint_missing_not_valid,
    rule_id::k_setting_not_null,
    rule_id::k_require_concurrent_index_creation,
    rule_id::k_require_concurrent_index_deletion,
    rule_id::k_require_concurrent_reindex,
    rule_id::k_disallowed_unique_constraint,
    rule_id::k_adding_primary_key_constraint,
    rule_id::k_require_concurrent_partition_detach,
    rule_id::k_refresh_materialized_view_without_concurrently,
    rule_id::k_adding_field_with_volatile_default,
    rule_id::k_unbatched_data_change,
    rule_id::k_access_exclusive_held_across_statements,
    rule_id::k_validate_constraint_in_same_transaction,
};

// A function calling functions calling functions: bodies are followed this deep.
constexpr int k_max_call_depth = 8;

// Every statement in the order it runs: the file's own, each followed by the
// SQL of the PL/pgSQL bodies it runs (a DO's body, the body of a function it
// calls at its first call), with their effects and transaction blocks.
class StatementOrder {
public:
    explicit StatementOrder(const sql::ParsedFile& file)
        : m_file(file), m_expanded(file.routines.size(), false) {}

    std::vector<StatementInfo> build() {
        size_t block = 0;
        size_t routine = 0;
        size_t call = 0;
        const auto& routines = m_file.routines;
        for (size_t i = 0; i < m_file.statements.size(); ++i) {
            const sql::Statement& stmt = m_file.statements[i];
            StatementInfo info;
            info.statement = &stmt;
            info.effects = analysis::statement_effects(stmt);
            info.top = i;
            if (const auto* tx = std::get_if<sql::Transaction>(&stmt.detail)) {
                if (tx->kind == sql::TransactionKind::Begin && block == 0) {
                    block = m_next_block++;
                    info.begins_transaction = true;
                }
                info.transaction = block;
                if (tx->kind == sql::TransactionKind::Commit || tx->kind == sql::TransactionKind::Rollback ||
                    tx->kind == sql::TransactionKind::Prepare)
                    block = 0;
            } else {
                info.transaction = block;
            }
            const size_t at = m_infos.size();
            m_infos.push_back(std::move(info));
            while (routine < routines.size() && routines[routine].statement < i) ++routine;
            for (; routine < routines.size() && routines[routine].statement == i; ++routine) {
                const sql::Routine& r = routines[routine];
                if (r.kind != sql::RoutineKind::DoBlock) continue;
                m_expanded[routine] = true;
                // Its body is linted statement by statement below; the DO itself locks nothing more.
                if (r.read) m_infos[at].effects = analysis::Effects{};
                expand(r, i, block, at, 0);
            }
            while (call < m_file.calls.size() && m_file.calls[call].statement < i) ++call;
            for (; call < m_file.calls.size() && m_file.calls[call].statement == i; ++call)
                follow(m_file.calls[call].function, i, block, at, 0);
        }
        return std::move(m_infos);
    }

private:
    // The PL/pgSQL function or procedure of that name created last before statement `before`.
    const sql::Routine* resolve(const sql::RelationName& name, size_t before) const {
        const sql::Routine* found = nullptr;
        for (const auto& r : m_file.routines) {
            if (r.statement >= before) break;
            if (r.kind != sql::RoutineKind::DoBlock && r.name.may_be(name)) found = &r;
        }
        return found;
    }

    // A call from m_infos[caller]: the callee's body is linted at its first call.
    void follow(const sql::RelationName& name, size_t top, size_t block, size_t caller, int depth) {
        const sql::Routine* r = resolve(name, top);
        if (r == nullptr || depth > k_max_call_depth) return;
        // CALL has no lock model of its own: with the body read, the body's statements say it.
        if (r->read && m_infos[caller].statement->kind == "CallStmt") m_infos[caller].effects.unknown = false;
        size_t index = static_cast<size_t>(r - m_file.routines.data());
        if (m_expanded[index]) return;
        m_expanded[index] = true;
        expand(*r, top, block, caller, depth);
    }

    void expand(const sql::Routine& r, size_t top, size_t outer, size_t caller, int depth) {
        m_infos[caller].runs.push_back(&r);
        if (!r.read) return;
        size_t block = outer;
        size_t segment = 0;
        bool first = true;
        for (const auto& rs : r.statements) {
            // Outside a block the body is a transaction of its own, one more after each COMMIT in it.
            if (outer == 0 && (first || rs.segment != segment)) {
                block = m_next_block++;
                segment = rs.segment;
                first = false;
            }
            StatementInfo info;
            info.statement = &rs.statement;
            info.effects = analysis::statement_effects(rs.statement);
            info.transaction = block;
            info.routine = &r;
            info.in_body = &rs;
            info.top = top;
            const size_t at = m_infos.size();
            m_infos.push_back(std::move(info));
            for (const auto& name : rs.calls) follow(name, top, block, at, depth + 1);
        }
    }

    const sql::ParsedFile& m_file;
    std::vector<bool> m_expanded;  // per routine: its body is linted already
    std::vector<StatementInfo> m_infos;
    size_t m_next_block = 1;
};

// For a finding on SQL inside a body whose fix needs transactions of its
// own: where the body is, and that the statement has to move out of it.
std::string move_out_note(const sql::ParsedFile& file, const StatementInfo& info,
                          const sql::LineIndex& lines) {
    const sql::Routine& r = *info.routine;
    size_t defined = lines.position(file.statements[r.statement].span.begin).line;
    if (r.kind == sql::RoutineKind::DoBlock)
        return fmt::format(
            " It is inside the DO block at line {}, which runs as one transaction: move it out of the block "
            "first (pgsafe migrate runs the block as written).",
            defined);
    size_t called = lines.position(file.statements[info.top].span.begin).line;
    return fmt::format(
        " It is inside {} {} (line {}), which runs in the transaction of its call at line {}: move it out "
        "of the {} first (pgsafe migrate runs the call as written).",
        sql::routine_kind_name(r.kind), r.name.qualified(), defined, called, sql::routine_kind_name(r.kind));
}

struct StatementFindings {
    size_t first_line;
    size_t caller_line;  // SQL inside a body: the DO's or the call's first line (else first_line)
    bool in_body = false;
    std::vector<Finding> findings;
};

// Drops findings an ignore comment covers; marks the directive used. Inside
// a PL/pgSQL body, a comment before the statement, before the DO (or call),
// or before the finding's own line covers it.
void apply_ignores(std::vector<IgnoreDirective>& ignores, StatementFindings& sf,
                   const sql::LineIndex& lines) {
    auto covered = [&](const Finding& f) {
        size_t own = sf.in_body || f.rule == rule_id::k_dynamic_sql ? lines.position(f.span.begin).line
                                                                    : sf.first_line;
        auto near = [](size_t directive, size_t line) { return directive == line || directive + 1 == line; };
        for (auto& d : ignores) {
            bool applies = d.whole_file || near(d.line, sf.first_line) || near(d.line, sf.caller_line) ||
                           near(d.line, own);
            if (!applies) continue;
            for (size_t i = 0; i < d.rules.size(); ++i) {
                if (d.rules[i] == f.rule) {
                    d.used[i] = true;
                    return true;
                }
            }
        }
        return false;
    };
    sf.findings.erase(std::remove_if(sf.findings.begin(), sf.findings.end(), covered), sf.findings.end());
}

void report_unused(const std::vector<IgnoreDirective>& ignores, std::vector<Finding>& out) {
    for (const auto& d : ignores) {
        for (size_t i = 0; i < d.rules.size(); ++i) {
            if (d.used[i]) continue;
            Finding f;
            f.rule = rule_id::k_unused_ignore;
            f.severity = Severity::Warning;
            f.span = d.span;
            f.message = fmt::format("ignore comment for \"{}\" matched no finding", d.rules[i]);
            f.help = "Remove the ignore comment, or move it to the line before the statement it is for.";
            out.push_back(std::move(f));
        }
    }
}

// The engine's own findings (ignore comments) honour exclusions and
// severity overrides like any rule; syntax errors cannot be turned off.
void apply_settings(std::vector<Finding>& findings, const LintOptions& options) {
    findings.erase(std::remove_if(findings.begin(), findings.end(),
                                  [&](const Finding& f) { return options.excluded.count(f.rule) > 0; }),
                   findings.end());
    for (auto& f : findings) {
        if (auto it = options.severities.find(f.rule); it != options.severities.end())
            f.severity = it->second;
    }
}

}  // namespace

bool needs_own_transaction(const std::string& rule) {
    return std::any_of(std::begin(k_needs_own_transaction), std::end(k_needs_own_transaction),
                       [&](const char* name) { return rule == name; });
}

LintSession::LintSession(LintOptions options, analysis::TableFacts facts)
    : m_options(std::move(options)), m_facts(std::move(facts)), m_pending(m_facts) {}

FileResult LintSession::lint(const std::string& path, const sql::ParsedFile& file) {
    std::vector<StatementInfo> infos;
    return run(path, file, infos, nullptr);
}

FileAnalysis LintSession::analyse(const std::string& path, const sql::ParsedFile& file) {
    FileAnalysis out;
    out.found.resize(file.statements.size());
    out.inside.resize(file.statements.size());
    out.result = run(path, file, out.statements, &out);
    return out;
}

FileResult LintSession::run(const std::string& path, const sql::ParsedFile& file,
                            std::vector<StatementInfo>& top_level, FileAnalysis* analysis) {
    FileResult result;
    result.path = path;
    result.text = file.text;
    result.statements = file.statements.size();
    result.syntax_error = !file.errors.empty();
    for (const auto& error : file.errors) result.findings.push_back(syntax_error(error));

    std::vector<Finding> ignore_errors;
    std::vector<IgnoreDirective> ignores = parse_ignores(file, ignore_errors);
    std::vector<StatementInfo> infos = StatementOrder(file).build();
    for (const auto& info : infos) m_pending.record_indexes(*info.statement);

    std::vector<const Rule*> rules;
    for (const auto& rule : registry()) {
        if (enabled(rule, m_options)) rules.push_back(&rule);
    }
    Context ctx(file, infos, m_facts, m_pending, m_options);
    sql::LineIndex lines(file.text);
    for (size_t i = 0; i < infos.size(); ++i) {
        ctx.set_index(i);
        const StatementInfo& info = infos[i];
        size_t first_line = lines.position(info.statement->span.begin).line;
        StatementFindings sf{first_line,
                             lines.position(file.statements[info.top].span.begin).line,
                             info.routine != nullptr,
                             {}};
        for (const Rule* rule : rules) {
            Emitter emit(rule->info, ctx, sf.findings);
            rule->check(ctx, emit);
        }
        if (info.routine != nullptr) {
            for (auto& f : sf.findings) {
                if (!needs_own_transaction(f.rule)) continue;
                // Not inside a body: pgsafe migrate runs the body as written.
                static const std::string k_done = " (pgsafe migrate does this for you)";
                if (auto at = f.help.find(k_done); at != std::string::npos) f.help.erase(at, k_done.size());
                f.help += move_out_note(file, info, lines);
            }
        }
        if (analysis != nullptr) {
            for (const auto& f : sf.findings) {
                if (info.routine != nullptr || f.rule == rule_id::k_dynamic_sql)
                    analysis->inside[info.top].push_back(f);
                else
                    analysis->found[info.top].insert(f.rule);
            }
        }
        if (!ignores.empty()) apply_ignores(ignores, sf, lines);
        for (auto& f : sf.findings) result.findings.push_back(std::move(f));
        // A table created under IF or in a loop may have existed already: not counted as new.
        if (info.in_body == nullptr || !info.in_body->conditional) m_pending.record_tables(*info.statement);
        if (info.routine == nullptr) m_pending.record_index_names(*info.statement);
    }
    top_level.clear();
    top_level.reserve(file.statements.size());
    for (auto& info : infos) {
        if (info.routine == nullptr) top_level.push_back(std::move(info));
    }
    std::vector<Finding> engine_findings = std::move(ignore_errors);
    report_unused(ignores, engine_findings);
    apply_settings(engine_findings, m_options);
    for (auto& f : engine_findings) result.findings.push_back(std::move(f));
    std::stable_sort(result.findings.begin(), result.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.span.begin < b.span.begin; });
    return result;
}

}  // namespace pgsafe::rules

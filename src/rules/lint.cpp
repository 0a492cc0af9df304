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

// Effects and explicit transaction blocks for every statement.
std::vector<StatementInfo> statement_infos(const sql::ParsedFile& file) {
    std::vector<StatementInfo> infos;
    infos.reserve(file.statements.size());
    size_t block = 0;
    size_t next_block = 1;
    for (const auto& stmt : file.statements) {
        StatementInfo info;
        info.statement = &stmt;
        info.effects = analysis::statement_effects(stmt);
        if (const auto* tx = std::get_if<sql::Transaction>(&stmt.detail)) {
            if (tx->kind == sql::TransactionKind::Begin && block == 0) {
                block = next_block++;
                info.begins_transaction = true;
            }
            info.transaction = block;
            if (tx->kind == sql::TransactionKind::Commit || tx->kind == sql::TransactionKind::Rollback ||
                tx->kind == sql::TransactionKind::Prepare)
                block = 0;
        } else {
            info.transaction = block;
        }
        infos.push_back(info);
    }
    return infos;
}

struct StatementFindings {
    size_t first_line;
    std::vector<Finding> findings;
};

// Drops findings an ignore comment covers; marks the directive used.
void apply_ignores(std::vector<IgnoreDirective>& ignores, StatementFindings& sf) {
    auto covered = [&](const Finding& f) {
        for (auto& d : ignores) {
            bool applies = d.whole_file || d.line == sf.first_line || d.line + 1 == sf.first_line;
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

LintSession::LintSession(LintOptions options, analysis::TableFacts facts)
    : m_options(std::move(options)), m_facts(std::move(facts)), m_pending(m_facts.search_path()) {}

FileResult LintSession::lint(const std::string& path, const sql::ParsedFile& file) {
    std::vector<StatementInfo> infos;
    return run(path, file, infos, nullptr);
}

FileAnalysis LintSession::analyse(const std::string& path, const sql::ParsedFile& file) {
    FileAnalysis out;
    out.found.resize(file.statements.size());
    out.result = run(path, file, out.statements, &out.found);
    return out;
}

FileResult LintSession::run(const std::string& path, const sql::ParsedFile& file,
                            std::vector<StatementInfo>& infos, std::vector<std::set<std::string>>* found) {
    FileResult result;
    result.path = path;
    result.text = file.text;
    result.statements = file.statements.size();
    result.syntax_error = !file.errors.empty();
    for (const auto& error : file.errors) result.findings.push_back(syntax_error(error));

    std::vector<Finding> ignore_errors;
    std::vector<IgnoreDirective> ignores = parse_ignores(file, ignore_errors);
    infos = statement_infos(file);
    for (const auto& stmt : file.statements) m_pending.record_indexes(stmt);

    std::vector<const Rule*> rules;
    for (const auto& rule : registry()) {
        if (enabled(rule, m_options)) rules.push_back(&rule);
    }
    Context ctx(file, infos, m_facts, m_pending, m_options);
    sql::LineIndex lines(file.text);
    for (size_t i = 0; i < infos.size(); ++i) {
        ctx.set_index(i);
        StatementFindings sf{lines.position(infos[i].statement->span.begin).line, {}};
        for (const Rule* rule : rules) {
            Emitter emit(rule->info, ctx, sf.findings);
            rule->check(ctx, emit);
        }
        if (found != nullptr) {
            for (const auto& f : sf.findings) (*found)[i].insert(f.rule);
        }
        if (!ignores.empty()) apply_ignores(ignores, sf);
        for (auto& f : sf.findings) result.findings.push_back(std::move(f));
        m_pending.record_tables(*infos[i].statement);
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

// The planner: lint the file once (the findings as reported, and per
// statement the rules found before ignore comments, which say what to
// rewrite), rewrite each statement that has a safe form and no
// `pgsafe:no-rewrite`, group the units into transactions, give each step its
// facts from the effects lint already computed, and rate the migration's
// risk from what is left as written.

#include "pgsafe/plan/plan.hpp"
#include "pgsafe/plan/session_state.hpp"

#include "planning.hpp"

#include "pgsafe/rules/lint.hpp"
#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace pgsafe::plan {

using namespace detail;

struct Planner::State {
    rules::LintSession lint;
    rules::PendingSet pending;
    RelationNames names{pending};
};

namespace {

// Which statement a finding is on (nullopt for comments between statements).
std::optional<std::size_t> statement_of(const sql::ParsedFile& file, const rules::Finding& finding) {
    auto it =
        std::upper_bound(file.statements.begin(), file.statements.end(), finding.span.begin,
                         [](std::size_t offset, const sql::Statement& s) { return offset < s.span.begin; });
    if (it == file.statements.begin()) return std::nullopt;
    --it;
    if (finding.span.begin > it->span.end) return std::nullopt;
    return static_cast<std::size_t>(it - file.statements.begin());
}

// Why a DO block (or a call of a PL/pgSQL function) with findings inside
// runs as written: its body is one transaction, so the safe forms of the
// statements in it cannot be built there; or it runs SQL pgsafe cannot read.
std::string body_why(const sql::ParsedFile& file, const std::vector<rules::Finding>& inside) {
    sql::LineIndex lines(file.text);
    std::vector<std::string> move;
    std::optional<std::size_t> dynamic;
    for (const auto& f : inside) {
        std::size_t line = lines.position(f.span.begin).line;
        if (f.rule == rules::rule_id::k_dynamic_sql) {
            if (!dynamic) dynamic = line;
        } else if (rules::needs_own_transaction(f.rule)) {
            std::string item = fmt::format("line {} ({})", line, f.rule);
            if (std::find(move.begin(), move.end(), item) == move.end()) move.push_back(item);
        }
    }
    std::string why;
    if (!move.empty()) {
        std::string list;
        for (const auto& item : move) list += (list.empty() ? "" : ", ") + item;
        why = fmt::format(
            "kept as written: the PL/pgSQL body runs as one transaction, so pgsafe cannot build the safe "
            "form of {}; move {} out of the body to get {}",
            list, move.size() == 1 ? "that statement" : "those statements", move.size() == 1 ? "it" : "them");
    }
    if (dynamic) {
        why += fmt::format(
            "{}the body runs SQL computed at run time (EXECUTE at line {}): its locks are unknown",
            why.empty() ? "as written: " : "; ", *dynamic);
    }
    if (why.empty()) why = "as written: no safe form for the statements in the PL/pgSQL body (see findings)";
    return why;
}

Unit as_written(const sql::ParsedFile& file, const StatementPlan& sp) {
    Unit u;
    u.sql = file.text.substr(sp.statement->span.begin, sp.statement->span.end - sp.statement->span.begin);
    u.boundary = sp.effects.outside_transaction ? Boundary::None : Boundary::Shared;
    // Already in its online form (CONCURRENTLY, VALIDATE): the same lock budget
    // as a rewritten one, and an index it builds is cleaned up the same way.
    // Only a statement whose strongest lock is SHARE UPDATE EXCLUSIVE (or one
    // that runs outside a transaction) waits without holding anything others
    // need: an UPDATE, DELETE, INSERT … ON CONFLICT or SELECT … FOR UPDATE
    // takes row locks as it goes, and while it waits for the next row, writers
    // of the rows it already locked wait behind it. Those get the short
    // lock_timeout, which bounds row-lock waits as well as table-lock waits.
    bool works =
        std::any_of(sp.effects.locks.begin(), sp.effects.locks.end(),
                    [](const analysis::RelationLock& l) { return l.work != analysis::TableWork::None; });
    u.online = sp.effects.strongest() != sql::LockMode::None &&
               (sp.effects.outside_transaction
                    ? sp.effects.strongest() <= sql::LockMode::ShareUpdateExclusive
                    : sp.effects.strongest() == sql::LockMode::ShareUpdateExclusive && works);
    const auto* index = std::get_if<sql::CreateIndex>(&sp.statement->detail);
    if (index != nullptr && index->concurrent && !index->name.empty())
        u.index = sql::RelationName{index->table.schema, index->name};
    u.effects.push_back(sp.effects);
    return u;
}

// A temporary object created by one step and used by a later one dies with
// the session if the run is killed in between: the step that creates it says
// so, since such a resume is refused (runner/resume_session.hpp).
void note_temporary_spans(const sql::ParsedFile& file, std::vector<Step>& steps) {
    // No "temp" (TEMP, TEMPORARY, pg_temp) and no "prepare" in the file: no temporary object, no need to
    // parse.
    std::string lower(file.text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("temp") == std::string::npos && lower.find("prepare") == std::string::npos) return;
    std::vector<std::string> sql;
    for (const auto& step : steps) sql.push_back(step.sql);
    for (const auto& t : session_state(sql).temporaries) {
        std::string& why = steps[static_cast<std::size_t>(t.created) - 1].why;
        why += fmt::format(
            "{}{} \"{}\" lives only in this session and step {} uses it: a run killed after this step "
            "and before step {} ends cannot be resumed (pgsafe refuses the resume: session-state-lost)",
            why.empty() ? "" : "; ", t.what, t.name, t.last_use, t.last_use);
    }
}

}  // namespace

Planner::Planner(PlanOptions options, analysis::TableFacts facts)
    : m_options(std::move(options)),
      m_facts(std::move(facts)),
      m_state(new State{rules::LintSession(m_options.lint, m_facts), rules::PendingSet(m_facts)}) {}

Planner::~Planner() = default;

MigrationPlan Planner::plan(const MigrationInput& migration, const sql::ParsedFile& file) {
    MigrationPlan out;
    out.version = migration.version;
    out.name = migration.name;
    out.path = migration.path;
    out.checksum = migration.checksum;
    out.text = file.text;
    rules::FileAnalysis lint = m_state->lint.analyse(migration.path, file);
    out.findings = std::move(lint.result.findings);
    out.syntax_error = lint.result.syntax_error;

    std::vector<StatementPlan> statements(file.statements.size());
    for (std::size_t i = 0; i < file.statements.size(); ++i) {
        statements[i].statement = &file.statements[i];
        statements[i].effects = std::move(lint.statements[i].effects);
        statements[i].found = std::move(lint.found[i]);
    }

    const std::set<std::size_t> keep = no_rewrite_statements(file);
    const std::vector<std::string> whole = whole_blocks(statements);
    const std::vector<EarlierSetting> earlier = earlier_settings(file, m_facts);
    for (std::size_t i = 0; i < statements.size(); ++i) {
        StatementPlan& sp = statements[i];
        sp.whole_block = !whole[i].empty();
        if (!block_boundary(*sp.statement)) {
            std::optional<Rewrite> rewrite;
            std::string declined;
            if (sp.whole_block && !sp.found.empty()) {
                declined = whole[i];
            } else if (!earlier[i].names.empty() && !sp.found.empty() && names_unqualified(sp.effects)) {
                declined = earlier[i].names;
            } else if (!earlier[i].strings.empty() && !sp.found.empty()) {
                declined = earlier[i].strings;
            } else if (!out.syntax_error && !sp.found.empty() && keep.count(i) == 0) {
                RewriteContext ctx{file,           *sp.statement, sp.found, m_facts, m_state->pending,
                                   m_state->names, earlier[i],    {}};
                try {
                    rewrite = rewrite_statement(ctx);
                    declined = ctx.declined;
                } catch (const std::logic_error&) {
                    // A new statement that would not deparse faithfully: run the original instead.
                    rewrite.reset();
                    declined = "kept as written: pgsafe could not build a safe form it can prove equivalent";
                }
            } else if (keep.count(i) > 0) {
                declined = "kept as written: -- pgsafe:no-rewrite";
            }
            if (rewrite) {
                sp.units = std::move(rewrite->units);
                for (auto& u : sp.units) {
                    if (u.rule) sp.answered.insert(*u.rule);
                    u.effects = built_effects(u.sql);
                }
            } else {
                sp.units.push_back(as_written(file, sp));
                sp.units.back().why = declined;
                if (declined.empty() && !lint.inside[i].empty())
                    sp.units.back().why = body_why(file, lint.inside[i]);
            }
        }
        for (const auto& u : sp.units)
            for (const auto& effects : u.effects)
                for (const auto& lock : effects.locks)
                    if (!lock.relation.empty() && m_state->pending.created(lock.relation))
                        sp.created_tables.insert(m_state->pending.key(lock.relation));
        m_state->pending.record_tables(*sp.statement);
        m_state->pending.record_indexes(*sp.statement);
        m_state->names.record(*sp.statement);
    }

    if (!out.syntax_error) {
        std::vector<rules::Finding> refusals = faithful_to_psql(statements);
        if (!refusals.empty()) {
            out.syntax_error = true;  // not runnable: no steps, refused before anything runs
            for (auto& f : refusals) out.findings.push_back(std::move(f));
            std::stable_sort(
                out.findings.begin(), out.findings.end(),
                [](const rules::Finding& a, const rules::Finding& b) { return a.span.begin < b.span.begin; });
        }
    }
    if (!out.syntax_error) {
        for (const auto& draft : group_units(statements, m_state->pending))
            out.steps.push_back(make_step(draft, statements, m_facts, m_state->pending, m_options.timeouts));
        note_temporary_spans(file, out.steps);
    }

    out.risk = Risk::Low;
    for (const auto& finding : out.findings) {
        auto i = statement_of(file, finding);
        Risk risk =
            i && statements[*i].answered.count(finding.rule) > 0 ? Risk::Medium : finding_risk(finding);
        out.risk = std::max(out.risk, risk);
    }
    return out;
}

}  // namespace pgsafe::plan

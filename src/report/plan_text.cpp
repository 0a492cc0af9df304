// The text plan for reviewers: per migration its risk and findings, then
// every step numbered with its transaction boundary, lock, timeouts,
// estimate and why; the SQL indented under it.

#include "plan_verdict.hpp"

#include "pgsafe/plan/batch_keys.hpp"
#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgsafe::report {
namespace {

struct Palette {
    const char* bold;
    const char* risk;
    const char* dim;
    const char* reset;
};

const char* risk_color(plan::Risk risk) {
    switch (risk) {
        case plan::Risk::Low: return "\x1b[1;32m";
        case plan::Risk::Medium: return "\x1b[1;33m";
        default: return "\x1b[1;31m";
    }
}

std::string timeouts(const plan::Step& step) {
    std::string statement =
        step.statement_timeout_ms ? fmt::format("{} ms", *step.statement_timeout_ms) : "none";
    return fmt::format("lock_timeout {} ms, statement_timeout {}", step.lock_timeout_ms, statement);
}

std::string estimate(const plan::Step& step) {
    if (!step.estimated_seconds) return "unknown (table size unknown)";
    if (*step.estimated_seconds < 1) return "under 1 s";
    return fmt::format("about {:.0f} s", *step.estimated_seconds);
}

std::string lock(const plan::Step& step) {
    if (step.lock.mode == sql::LockMode::None) return "none";
    std::string relations;
    for (const auto& r : step.lock.relations) relations += (relations.empty() ? "" : ", ") + r;
    return fmt::format("{} on {}", sql::lock_mode_name(step.lock.mode), relations);
}

void render_plan(std::string& out, const plan::MigrationPlan& p, Color color, const Verdicts* verdicts,
                 std::size_t index) {
    Palette c = color == Color::On ? Palette{"\x1b[1m", risk_color(p.risk), "\x1b[2m", "\x1b[0m"}
                                   : Palette{"", "", "", ""};
    out += fmt::format("{}{}{} ({}) risk: {}{}{}\n", c.bold, p.path, c.reset, p.checksum, c.risk,
                       plan::risk_name(p.risk), c.reset);
    sql::LineIndex lines(p.text);
    for (const auto& f : p.findings) {
        sql::Position at = lines.position(f.span.begin);
        out += fmt::format("  {}:{}:{}: {}[{}]: {}\n", p.path, at.line, at.column,
                           rules::severity_name(f.severity), f.rule, f.message);
    }
    if (verdicts != nullptr && index < verdicts->per_plan.size())
        out += verdict_text(verdicts->per_plan[index], verdicts->environment);
    if (p.syntax_error) out += "  no steps: fix the syntax errors first\n";
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const plan::Step& s = p.steps[i];
        out += fmt::format("  {}step {}{} (line {}, {}){}\n", c.bold, i + 1, c.reset,
                           lines.position(s.source.begin).line,
                           s.transactional ? "own transaction" : "outside a transaction",
                           s.rule ? fmt::format(" [{}]", *s.rule) : "");
        out += fmt::format("    {}\n", s.why);
        out += fmt::format("    {}lock: {}; {}; estimate: {}{}\n", c.dim, lock(s), timeouts(s), estimate(s),
                           c.reset);
        if (s.batch)
            out += fmt::format(
                "    {}in batches: by ({}) of {}, each the next keys after the last one done, one "
                "transaction each ($1..: the batch's first key, then its last){}\n",
                c.dim, fmt::join(s.batch->key, ", "), s.batch->qualified(), c.reset);
        std::string sql = s.sql;
        std::string indented = "      ";
        for (char ch : sql) {
            indented += ch;
            if (ch == '\n') indented += "      ";
        }
        out += indented + ";\n";
    }
    out += "\n";
}

}  // namespace

std::string plan_text(const std::vector<plan::MigrationPlan>& plans, Color color, const Verdicts* verdicts) {
    std::string out;
    std::size_t steps = 0;
    plan::Risk worst = plan::Risk::Low;
    for (std::size_t i = 0; i < plans.size(); ++i) {
        const auto& p = plans[i];
        render_plan(out, p, color, verdicts, i);
        steps += p.steps.size();
        worst = std::max(worst, p.risk);
    }
    out += fmt::format("{} migration{}, {} step{}, highest risk: {}\n", plans.size(),
                       plans.size() == 1 ? "" : "s", steps, steps == 1 ? "" : "s", plan::risk_name(worst));
    if (verdicts != nullptr)
        for (const auto& note : verdicts->notes) out += fmt::format("note: {}\n", note);
    return out;
}

namespace {

// 'text' as a SQL string literal.
std::string literal(const std::string& text) {
    std::string out = "'";
    for (char ch : text) out += ch == '\'' ? std::string("''") : std::string(1, ch);
    return out + "'";
}

// A batched step as a DO block that walks the key the way the runner does
// (keyset: the next keys in key order after the last one done, found by the
// same search, plan/batch_keys.hpp), committing each batch. The batch size
// is fixed here; pgsafe migrate adapts it.
std::string batch_block(const plan::Step& s) {
    const plan::Batch& b = *s.batch;
    constexpr int k_size = 1000;
    std::vector<std::string> first;
    std::vector<std::string> last;
    std::string declare = "DECLARE\n  pgsafe_started boolean := false;\n";
    for (std::size_t i = 0; i < b.key.size(); ++i) {
        first.push_back(fmt::format("pgsafe_first_{}", i + 1));
        last.push_back(fmt::format("pgsafe_last_{}", i + 1));
        declare += fmt::format("  pgsafe_first_{0} {1};\n  pgsafe_last_{0} {1};\n", i + 1, b.types.at(i));
    }
    auto next = [&](const std::optional<std::vector<std::string>>& after) {
        plan::NextKeys keys = plan::next_keys(b, after, k_size);
        std::vector<std::string> first_of;
        std::vector<std::string> last_of;
        for (const auto& k : keys.key) {
            first_of.push_back("f." + k);
            last_of.push_back("l." + k);
        }
        return fmt::format("      SELECT {}, {} INTO {}, {}\n        FROM {};\n", fmt::join(first_of, ", "),
                           fmt::join(last_of, ", "), fmt::join(first, ", "), fmt::join(last, ", "),
                           keys.from);
    };
    std::string body = declare + "BEGIN\n  LOOP\n    IF pgsafe_started THEN\n" + next(last) + "    ELSE\n" +
                       next(std::nullopt) + "    END IF;\n    EXIT WHEN NOT FOUND;\n" +
                       fmt::format("    EXECUTE {} USING {}, {};\n", literal(s.sql), fmt::join(first, ", "),
                                   fmt::join(last, ", ")) +
                       "    COMMIT;\n    pgsafe_started := true;\n  END LOOP;\nEND\n";
    // A dollar-quote tag that does not occur in the body, so nothing in the step's SQL can close the block.
    std::string tag = "$pgsafe$";
    for (int n = 1; body.find(tag) != std::string::npos; ++n) tag = fmt::format("$pgsafe{}$", n);
    return fmt::format("DO {0}\n{1}{0}", tag, body);
}

}  // namespace

std::string plan_sql(const plan::MigrationPlan& p) {
    std::string out = fmt::format("-- {}: planned by pgsafe from {} ({})\n-- risk: {}\n", p.name, p.path,
                                  p.checksum, plan::risk_name(p.risk));
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const plan::Step& s = p.steps[i];
        std::string statement = s.statement_timeout_ms ? fmt::format("'{}ms'", *s.statement_timeout_ms) : "0";
        out += fmt::format("\n-- step {}: {}\n", i + 1, s.why);
        if (s.batch) {
            out += fmt::format("SET lock_timeout = '{}ms';\n", s.lock_timeout_ms);
            out += batch_block(s) + ";\nRESET lock_timeout;\n";
        } else if (s.transactional) {
            out += "BEGIN;\n";
            out += fmt::format("SET LOCAL lock_timeout = '{}ms';\nSET LOCAL statement_timeout = {};\n",
                               s.lock_timeout_ms, statement);
            out += s.sql + ";\nCOMMIT;\n";
        } else {
            out += fmt::format("SET lock_timeout = '{}ms';\nSET statement_timeout = {};\n", s.lock_timeout_ms,
                               statement);
            out += s.sql + ";\nRESET lock_timeout;\nRESET statement_timeout;\n";
        }
    }
    return out;
}

}  // namespace pgsafe::report

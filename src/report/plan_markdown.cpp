// The plan as a pull-request comment (plan --format markdown): a stable
// first-line marker so CI updates one comment in place, a table of the
// migrations with risk, verdict and estimate, then per migration the
// reasons it is refused with the commands that unlock it, and its steps
// collapsed under <details>.

#include "plan_verdict.hpp"

#include "pgsafe/report/plan_report.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

namespace pgsafe::report {
namespace {

// Text in a table cell: no line breaks, no column separators.
std::string cell(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '|')
            out += "\\|";
        else if (ch == '\n')
            out += ' ';
        else
            out += ch;
    }
    return out;
}

std::string verdict_cell(const Verdicts* verdicts, std::size_t i) {
    if (verdicts == nullptr || i >= verdicts->per_plan.size()) return "—";
    const policy::Verdict& v = verdicts->per_plan[i];
    if (v.allowed) return "✅ allowed";
    std::string codes;
    for (const auto& r : v.reasons) codes += (codes.empty() ? "" : ", ") + r.code;
    return "⛔ refused: " + codes;
}

// A fence longer than any backtick run in the SQL.
std::string fence_for(const std::string& text) {
    std::string fence = "```";
    while (text.find(fence) != std::string::npos) fence += '`';
    return fence;
}

void render_reasons(std::string& out, const policy::Verdict& v, const std::string& environment) {
    if (v.allowed) {
        out += fmt::format("Allowed now in {}.\n\n", environment);
        return;
    }
    out += fmt::format("Refused in {}:\n\n", environment);
    for (const auto& r : v.reasons) out += fmt::format("- **{}**: {}\n", r.code, r.message);
    std::vector<std::string> unlocks;
    for (const auto& r : v.reasons)
        if (r.unlock.rfind("pgsafe ", 0) == 0) unlocks.push_back(r.unlock);
    if (!unlocks.empty()) {
        out += "\nTo unlock:\n\n```sh\n";
        for (const auto& u : unlocks) out += u + "\n";
        out += "```\n";
    }
    for (const auto& r : v.reasons)
        if (!r.unlock.empty() && r.unlock.rfind("pgsafe ", 0) != 0)
            out += fmt::format("\n{}: {}.\n", r.code, r.unlock);
    out += "\n";
}

void render_steps(std::string& out, const plan::MigrationPlan& p) {
    sql::LineIndex lines(p.text);
    if (!p.findings.empty()) {
        for (const auto& f : p.findings) {
            sql::Position at = lines.position(f.span.begin);
            out += fmt::format("- `{}:{}:{}` {} `{}`: {}\n", p.path, at.line, at.column,
                               rules::severity_name(f.severity), f.rule, f.message);
        }
        out += "\n";
    }
    if (p.syntax_error) {
        out += "No steps: fix the syntax errors first.\n\n";
        return;
    }
    out += fmt::format("<details><summary>{} step{}</summary>\n\n", p.steps.size(),
                       p.steps.size() == 1 ? "" : "s");
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
        const plan::Step& s = p.steps[i];
        out += fmt::format("{}. {} (line {}, {}; estimate: {})\n\n", i + 1, s.why,
                           lines.position(s.source.begin).line,
                           s.transactional ? "own transaction" : "outside a transaction",
                           estimate_text(s.estimated_seconds));
        std::string fence = fence_for(s.sql);
        out += fmt::format("   {}sql\n", fence);
        std::string indented = "   ";
        for (char ch : s.sql) {
            indented += ch;
            if (ch == '\n') indented += "   ";
        }
        out += indented + ";\n   " + fence + "\n\n";
    }
    out += "</details>\n\n";
}

}  // namespace

std::string plan_markdown(const std::vector<plan::MigrationPlan>& plans, const Verdicts* verdicts) {
    std::string out = std::string(k_plan_markdown_marker) + "\n";
    plan::Risk worst = plan::Risk::Low;
    for (const auto& p : plans) worst = std::max(worst, p.risk);
    std::string where = verdicts != nullptr ? fmt::format(" in {}", verdicts->environment) : "";
    out += fmt::format("### pgsafe plan{}: {} migration{}, highest risk {}\n\n", where, plans.size(),
                       plans.size() == 1 ? "" : "s", plan::risk_name(worst));
    out += "| Migration | Risk | Verdict | Estimate |\n|---|---|---|---|\n";
    for (std::size_t i = 0; i < plans.size(); ++i) {
        const auto& p = plans[i];
        out += fmt::format("| `{}` | {} | {} | {} |\n", cell(p.path), plan::risk_name(p.risk),
                           cell(verdict_cell(verdicts, i)), estimate_text(plan_estimate(p)));
    }
    out += "\n";
    for (std::size_t i = 0; i < plans.size(); ++i) {
        const auto& p = plans[i];
        out += fmt::format("#### `{}` ({} risk)\n\n", p.path, plan::risk_name(p.risk));
        if (verdicts != nullptr && i < verdicts->per_plan.size())
            render_reasons(out, verdicts->per_plan[i], verdicts->environment);
        render_steps(out, p);
    }
    if (verdicts != nullptr)
        for (const auto& note : verdicts->notes) out += fmt::format("_Note: {}_\n\n", note);
    while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
    return out;
}

}  // namespace pgsafe::report

// `pgsafe trace`'s reports: text (one block per migration, the locks of each
// statement and how long the write-blocking ones were held), JSON (the shape
// docs/trace.md pins, version 1) and markdown for a pull-request comment.

#include "pgsafe/trace/trace.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pgsafe::trace {
namespace {

using nlohmann::json;

// The statement's first line, "…" when it goes on.
std::string first_line(const std::string& sql) {
    auto newline = sql.find('\n');
    return newline == std::string::npos ? sql : sql.substr(0, newline) + " …";
}

std::string held(const TracedLock& lock) {
    return lock.held_ms ? fmt::format(", held {:.1f} ms", *lock.held_ms) : "";
}

std::string lock_line(const TracedLock& lock) {
    std::string what = lock.blocks_writes ? ", blocks writes" : "";
    std::string size = lock.large ? fmt::format(" [large: {}]", *lock.large) : "";
    std::string age = lock.existed ? "" : " (new in this migration)";
    return fmt::format("{} on {} ({}){}{}{}{}", lock.mode, lock.relation, lock.kind, age, held(lock), what,
                       size);
}

std::string failure_text(const std::string& path, const ServerFailure& f) {
    return fmt::format("{}:{}:{}: the server refused it: {} (SQLSTATE {})", path, f.line, f.column, f.message,
                       f.sqlstate);
}

void text_run(std::string& out, const std::string& path, const TracedRun& run, const char* indent) {
    for (const auto& s : run.statements) {
        out += fmt::format("{}{}:{}: {}  ({:.1f} ms{})\n", indent, path, s.line, first_line(s.sql),
                           s.duration_ms, s.transactional ? "" : ", outside a transaction");
        if (s.locks.empty()) out += fmt::format("{}    no relation lock\n", indent);
        for (const auto& lock : s.locks) out += fmt::format("{}    lock: {}\n", indent, lock_line(lock));
        for (const auto& r : s.rewrites) out += fmt::format("{}    rewrite: {}\n", indent, r);
        for (const auto& c : s.changes) out += fmt::format("{}    {}\n", indent, c);
        out += fmt::format("{}    model: {}", indent, model_verdict_name(s.model.verdict));
        if (s.model.verdict == ModelVerdict::Mismatch) {
            out += fmt::format(" (model-mismatch: the model says {};", s.model.model);
            for (const auto& d : s.model.disagreements) out += " " + d + ";";
            out.back() = ')';
        }
        out += "\n";
    }
    if (run.failure) out += fmt::format("{}{}\n", indent, failure_text(path, *run.failure));
}

std::string render_text(const TraceReport& report) {
    std::string out = fmt::format("PostgreSQL {}{}\n", report.server,
                                  report.rolled_back ? ", every change rolled back" : "");
    for (const auto& m : report.migrations) {
        out += fmt::format("\n{} (version {}, {}; {:.1f} ms)\n", m.path, m.version.empty() ? "-" : m.version,
                           m.name, m.original.duration_ms);
        text_run(out, m.path, m.original, "  ");
        if (!m.plan) continue;
        out += fmt::format("  pgsafe's plan: {} steps, {:.1f} ms (as written: {} statements, {:.1f} ms)\n",
                           m.plan->run.statements.size(), m.plan->run.duration_ms,
                           m.original.statements.size(), m.original.duration_ms);
        text_run(out, m.path, m.plan->run, "    ");
        out += m.plan->equivalent ? "  equivalent: the plan ends like the file as written\n"
                                  : "  NOT equivalent: the plan ends unlike the file as written\n";
        for (const auto& d : m.plan->diff) out += "    " + d + "\n";
    }
    return out;
}

json lock_json(const TracedLock& lock) {
    return {{"relation", lock.relation},
            {"kind", lock.kind},
            {"mode", lock.mode},
            {"held_ms", lock.held_ms ? json(*lock.held_ms) : json(nullptr)},
            {"blocks_writes", lock.blocks_writes},
            {"existed", lock.existed},
            {"large", lock.large ? json(*lock.large) : json(nullptr)}};
}

json statements_json(const TracedRun& run) {
    json out = json::array();
    for (const auto& s : run.statements) {
        json locks = json::array();
        for (const auto& lock : s.locks) locks.push_back(lock_json(lock));
        out.push_back({{"line", s.line},
                       {"column", s.column},
                       {"sql", s.sql},
                       {"duration_ms", s.duration_ms},
                       {"transactional", s.transactional},
                       {"locks", locks},
                       {"rewrites", s.rewrites},
                       {"changes", s.changes},
                       {"model", model_verdict_name(s.model.verdict)},
                       {"model_answer", s.model.model},
                       {"model_disagreements", s.model.disagreements}});
    }
    return out;
}

json failure_json(const std::optional<ServerFailure>& f) {
    if (!f) return nullptr;
    return {{"line", f->line}, {"column", f->column}, {"sqlstate", f->sqlstate}, {"message", f->message}};
}

std::string render_json(const TraceReport& report) {
    json migrations = json::array();
    for (const auto& m : report.migrations) {
        json one = {{"version", m.version},
                    {"name", m.name},
                    {"path", m.path},
                    {"duration_ms", m.original.duration_ms},
                    {"statements", statements_json(m.original)},
                    {"error", failure_json(m.original.failure)}};
        if (m.plan) {
            one["plan"] = {{"duration_ms", m.plan->run.duration_ms},
                           {"statements", statements_json(m.plan->run)},
                           {"error", failure_json(m.plan->run.failure)},
                           {"equivalent", m.plan->equivalent},
                           {"diff", m.plan->diff}};
        }
        migrations.push_back(std::move(one));
    }
    json out = {{"version", 1},
                {"server", report.server},
                {"rolled_back", report.rolled_back},
                {"migrations", migrations},
                {"problems", trace_problems(report)}};
    return out.dump(2) + "\n";
}

std::string cell(std::string text) {
    for (std::size_t at = text.find('|'); at != std::string::npos; at = text.find('|', at + 2))
        text.replace(at, 1, "\\|");
    for (auto& c : text) {
        if (c == '\n') c = ' ';
    }
    return text;
}

void markdown_run(std::string& out, const TracedRun& run) {
    out += "| line | statement | ms | locks | rewrites | model |\n|---:|---|---:|---|---|---|\n";
    for (const auto& s : run.statements) {
        std::string locks;
        for (const auto& lock : s.locks) {
            locks += (locks.empty() ? "" : "<br>") +
                     fmt::format("{}{} on `{}`{}", lock.blocks_writes ? "**" : "", lock.mode, lock.relation,
                                 lock.blocks_writes ? "**" : "") +
                     held(lock);
        }
        std::string rewrites;
        for (const auto& r : s.rewrites) rewrites += (rewrites.empty() ? "" : "<br>") + r;
        out += fmt::format("| {} | `{}` | {:.1f} | {} | {} | {} |\n", s.line, cell(first_line(s.sql)),
                           s.duration_ms, cell(locks.empty() ? "none" : locks), cell(rewrites),
                           model_verdict_name(s.model.verdict));
    }
}

std::string render_markdown(const TraceReport& report) {
    std::string out = fmt::format("### pgsafe trace (PostgreSQL {})\n", report.server);
    for (const auto& m : report.migrations) {
        out += fmt::format("\n#### `{}` ({:.1f} ms)\n\n", m.path, m.original.duration_ms);
        markdown_run(out, m.original);
        if (m.original.failure) out += "\n**" + cell(failure_text(m.path, *m.original.failure)) + "**\n";
        if (!m.plan) continue;
        out += fmt::format("\npgsafe's plan ({:.1f} ms):\n\n", m.plan->run.duration_ms);
        markdown_run(out, m.plan->run);
        out += m.plan->equivalent ? "\nThe plan ends like the file as written.\n"
                                  : "\n**The plan ends unlike the file as written:**\n\n```diff\n";
        if (!m.plan->equivalent) {
            for (const auto& d : m.plan->diff) out += d + "\n";
            out += "```\n";
        }
    }
    auto problems = trace_problems(report);
    if (!problems.empty()) {
        out += "\n**Problems:**\n\n";
        for (const auto& p : problems) out += "- " + cell(p) + "\n";
    }
    return out;
}

}  // namespace

std::string render_trace(const TraceReport& report, Format format) {
    switch (format) {
        case Format::Json: return render_json(report);
        case Format::Markdown: return render_markdown(report);
        case Format::Text: break;
    }
    return render_text(report);
}

}  // namespace pgsafe::trace

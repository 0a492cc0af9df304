// `pgsafe explain-locks FILE...`: for every statement, the lock it takes on
// each relation, what that lock blocks, the table work, and whether it must
// run outside a transaction. Needs no database; exit 3 when a statement does not parse.

#include "commands.hpp"
#include "config_flags.hpp"
#include "folder_layout.hpp"

#include "pgsafe/analysis/effects.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/rules/rule_ids.hpp"
#include "pgsafe/source/layout.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace pgsafe::cli {
namespace {

struct ExplainedStatement {
    sql::Position position;
    std::string first_line;  // the statement's first line, "…" when it goes on
    std::string kind;
    analysis::Effects effects;
};

struct LocatedError {
    sql::Position position;
    std::string message;
};

struct ExplainedFile {
    std::string path;
    std::vector<ExplainedStatement> statements;
    std::vector<LocatedError> errors;
};

std::string first_line(const std::string& text, const sql::Span& span) {
    std::string_view statement(text.data() + span.begin, span.end - span.begin);
    size_t newline = statement.find('\n');
    if (newline == std::string_view::npos) return std::string(statement);
    std::string_view line = statement.substr(0, newline);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    return std::string(line) + " …";
}

ExplainedFile explain_file(const std::string& path, const std::string& text) {
    ExplainedFile out;
    out.path = path;
    sql::ParsedFile parsed = sql::parse_sql(text);
    sql::LineIndex lines(parsed.text);
    for (const auto& error : parsed.errors)
        out.errors.push_back({lines.position(error.offset), error.message});
    for (const auto& statement : parsed.statements) {
        out.statements.push_back({lines.position(statement.span.begin),
                                  first_line(parsed.text, statement.span), statement.kind,
                                  analysis::statement_effects(statement)});
    }
    return out;
}

std::string relation_label(const analysis::RelationLock& lock) {
    if (lock.relation.empty()) return "(relation not named in the statement)";
    return lock.new_relation ? lock.relation.qualified() + " (new)" : lock.relation.qualified();
}

void render_statement(std::string& out, const std::string& path, const ExplainedStatement& s) {
    out += fmt::format("{}:{}: {}\n", path, s.position.line, s.first_line);
    const analysis::Effects& e = s.effects;
    if (e.unknown)
        out += fmt::format("    no lock model for {}: check the PostgreSQL documentation\n", s.kind);
    else if (e.locks.empty())
        out += "    no table lock\n";
    for (const auto& lock : e.locks) {
        out += fmt::format("    {}: {}, blocks {}; work: {}\n", relation_label(lock),
                           sql::lock_mode_name(lock.mode),
                           lock.new_relation ? "no one (the table is new)" : analysis::lock_blocks(lock.mode),
                           analysis::table_work_name(lock.work));
    }
    if (e.outside_transaction) out += "    outside transaction\n";
    for (const auto& note : e.notes) out += fmt::format("    note: {}\n", note);
}

std::string render_text(const std::vector<ExplainedFile>& files) {
    std::string out;
    for (const auto& file : files) {
        for (const auto& error : file.errors) {
            out += fmt::format("{}:{}:{}: error[syntax-error]: {}\n", file.path, error.position.line,
                               error.position.column, error.message);
        }
        for (const auto& statement : file.statements) render_statement(out, file.path, statement);
    }
    return out;
}

nlohmann::json statement_json(const ExplainedStatement& s) {
    nlohmann::json locks = nlohmann::json::array();
    for (const auto& lock : s.effects.locks) {
        locks.push_back({{"relation", lock.relation.empty() ? nlohmann::json(nullptr)
                                                            : nlohmann::json(lock.relation.qualified())},
                         {"mode", sql::lock_mode_name(lock.mode)},
                         {"blocks", analysis::lock_blocks(lock.mode)},
                         {"work", analysis::table_work_name(lock.work)},
                         {"new_relation", lock.new_relation}});
    }
    return {{"line", s.position.line},
            {"column", s.position.column},
            {"statement", s.first_line},
            {"kind", s.kind},
            {"locks", locks},
            {"strongest", sql::lock_mode_name(s.effects.strongest())},
            {"outside_transaction", s.effects.outside_transaction},
            {"unknown", s.effects.unknown},
            {"notes", s.effects.notes}};
}

std::string render_json(const std::vector<ExplainedFile>& files) {
    nlohmann::json out = {{"files", nlohmann::json::array()}};
    for (const auto& file : files) {
        nlohmann::json statements = nlohmann::json::array();
        for (const auto& s : file.statements) statements.push_back(statement_json(s));
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& e : file.errors) {
            errors.push_back({{"line", e.position.line},
                              {"column", e.position.column},
                              {"rule", rules::rule_id::k_syntax_error},
                              {"message", e.message}});
        }
        out["files"].push_back({{"path", file.path}, {"statements", statements}, {"errors", errors}});
    }
    return out.dump(2) + "\n";
}

}  // namespace

void add_explain_locks_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto paths = std::make_shared<std::vector<std::string>>();
    CLI::App* cmd =
        app.add_subcommand("explain-locks", "Show the lock each statement takes, and what it blocks");
    cmd->add_option("paths", *paths, "Migration files or directories")->required();
    cmd->callback([paths, &global, &code] {
        if (global.format != "text" && global.format != "json")
            throw Error(ErrorKind::Usage, "explain-locks writes --format text or json, not " + global.format);
        LoadedSettings loaded = load_settings(global);  // a broken pgsafe.toml stops every command alike
        std::vector<ExplainedFile> files;
        for (const auto& given : *paths) {
            // Another tool's folder as plan reads it (a goose file's Up section, at its own lines).
            std::error_code error;
            if (std::filesystem::is_directory(given, error) &&
                folder_layout(given, loaded) != source::Layout::Pgsafe) {
                for (const auto& m : layout_migrations(given, loaded))
                    files.push_back(explain_file(m.path.string(), m.text));
                continue;
            }
            for (const auto& path : source::collect_sql_files({given})) {
                source::Layout layout = file_layout(path, loaded);
                files.push_back(
                    explain_file(path.string(), layout == source::Layout::Pgsafe
                                                    ? source::read_file(path)
                                                    : source::read_layout_file(path, layout).text));
            }
        }
        std::string out = global.format == "json" ? render_json(files) : render_text(files);
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(ExitCode::Ok);
        for (const auto& file : files) {
            if (!file.errors.empty()) code = exit_code(ExitCode::Parse);
        }
    });
}

}  // namespace pgsafe::cli

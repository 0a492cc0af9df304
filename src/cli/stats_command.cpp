// `pgsafe stats export`: a snapshot of the live table sizes and indexes, so
// developers and CI can lint with production sizes (`lint --stats FILE`)
// without access to production.

#include "commands.hpp"
#include "config_flags.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include <unistd.h>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;

// Writes through a temporary file and a rename, so an interrupted export
// never leaves a half-written snapshot where the last good one was.
void write_file_atomically(const fs::path& path, const std::string& content) {
    fs::path tmp = path;
    tmp += fmt::format(".tmp{}", getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << content;
        out.close();
        if (!out) {
            std::error_code ignored;
            fs::remove(tmp, ignored);
            throw Error(ErrorKind::Usage, fmt::format("{}: cannot write the snapshot", path.string()));
        }
    }
    std::error_code error;
    fs::rename(tmp, path, error);
    if (error) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw Error(ErrorKind::Usage,
                    fmt::format("{}: cannot write the snapshot: {}", path.string(), error.message()));
    }
}

}  // namespace

void add_stats_command(CLI::App& app, const GlobalOptions& global, int& code) {
    CLI::App* stats =
        app.add_subcommand("stats", "Table statistics snapshots for linting without a database");
    stats->require_subcommand(1);
    auto output = std::make_shared<std::string>();
    CLI::App* cmd = stats->add_subcommand(
        "export", "Write live table sizes and indexes as JSON (for `pgsafe lint --stats FILE`)");
    cmd->add_option("-o,--output", *output, "Write the snapshot to FILE instead of stdout");
    cmd->footer("Connects with --db URL, else DATABASE_URL, else libpq's PG* variables.");
    cmd->callback([output, &global, &code] {
        load_settings(global);  // a broken pgsafe.toml stops every command alike
        db::Connection connection(db::resolve_conninfo(global.db));  // --db > DATABASE_URL > PG*
        analysis::TableFacts facts = db::load_table_facts(connection);
        std::string json = facts.to_json();
        if (output->empty()) {
            std::fwrite(json.data(), 1, json.size(), stdout);
        } else {
            write_file_atomically(*output, json);
            std::string summary =
                fmt::format("{}: {} tables from {}\n", *output, facts.tables().size(), connection.describe());
            std::fwrite(summary.data(), 1, summary.size(), stdout);
        }
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli

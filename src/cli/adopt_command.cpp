// `pgsafe adopt [DIR] --from TOOL` and `pgsafe baseline VERSION [DIR]`:
// take over another tool's history (or start after a version, for a
// database with none) without running anything again (docs/adopt.md).
// Refusals (the tool's failed state, changed files, rows without files)
// exit 5 and record nothing.

#include "commands.hpp"
#include "config_flags.hpp"

#include "pgsafe/adopt/adopt.hpp"
#include "pgsafe/db/connection.hpp"
#include "pgsafe/source/migration.hpp"

#include <cstdio>
#include <memory>

namespace pgsafe::cli {
namespace {

struct AdoptFlags {
    std::string dir;
    std::string from;
    std::string table;
    bool dry_run = false;
    std::vector<std::string> accept_changed;
    bool allow_missing = false;
    std::string version;  // baseline
};

std::vector<std::string> tool_names() {
    std::vector<std::string> out;
    for (auto t : adopt::all_tools()) out.push_back(adopt::tool_name(t));
    return out;
}

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

void run(const AdoptFlags& flags, adopt::AdoptOptions options, const GlobalOptions& global, int& code) {
    LoadedSettings loaded = load_settings(global);  // the migrations directory and its layout
    auto files = layout_migrations(
        display_path(flags.dir.empty() ? migrations_dir(loaded) : std::filesystem::path(flags.dir)), loaded);
    options.conninfo = db::resolve_conninfo(global.db);
    options.dry_run = flags.dry_run;
    adopt::AdoptResult result = adopt::adopt(files, options);  // read, match, record (one transaction)
    print(global.format == "json" ? adopt::adopt_json(result).dump(2) + "\n" : adopt::adopt_text(result));
    code = exit_code(ExitCode::Ok);
}

}  // namespace

void add_adopt_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto flags = std::make_shared<AdoptFlags>();
    CLI::App* cmd = app.add_subcommand(
        "adopt", "Take over another tool's migration history without running anything again");
    cmd->add_option("dir", flags->dir, "Migration directory (default: \"migrations\" from pgsafe.toml)");
    cmd->add_option("--from", flags->from, "The tool whose history to adopt")
        ->required()
        ->check(CLI::IsMember(tool_names()));
    cmd->add_option("--table", flags->table,
                    "The tool's history table, [schema.]name (default: the tool's own; Sqitch: the registry "
                    "schema)");
    cmd->add_flag("--dry-run", flags->dry_run, "Print exactly what would be recorded; record nothing");
    cmd->add_option("--accept-changed", flags->accept_changed,
                    "Adopt FILE although it changed since the old tool ran it (repeatable)");
    cmd->add_flag("--allow-missing", flags->allow_missing,
                  "Adopt although history rows have no file or older files never ran");
    cmd->callback([flags, &global, &code] {
        adopt::AdoptOptions options;
        options.tool = adopt::tool_from_name(flags->from);
        options.table = flags->table;
        options.accept_changed = flags->accept_changed;
        options.allow_missing = flags->allow_missing;
        run(*flags, options, global, code);
    });

    auto base = std::make_shared<AdoptFlags>();
    CLI::App* baseline = app.add_subcommand(
        "baseline",
        "Record every migration up to VERSION as already applied (a database with no history table)");
    baseline->add_option("version", base->version, "The last version the database already has")->required();
    baseline->add_option("dir", base->dir, "Migration directory (default: \"migrations\" from pgsafe.toml)");
    baseline->add_flag("--dry-run", base->dry_run, "Print exactly what would be recorded; record nothing");
    baseline->callback([base, &global, &code] {
        adopt::AdoptOptions options;
        options.baseline = base->version;
        run(*base, options, global, code);
    });
}

}  // namespace pgsafe::cli

// `pgsafe scratch-server start [DIR] | url | status | stop [DIR]`: a
// maintainer command (hidden from --help) that keeps a db::ScratchServer
// running across processes for scripts/test, scripts/demo and bench/, which
// call it through scripts/pg-scratch. The running server's directory is
// recorded in a state file ($PGSAFE_SCRATCH_STATE, default
// ${TMPDIR:-/tmp}/pgsafe-scratch-$UID), written before initdb runs, so
// `stop` also cleans up after a start that was killed. The URL is the only
// thing printed on stdout.

#include "commands.hpp"

#include "pgsafe/db/scratch_server.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/exit_codes.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;
using db::ScratchServer;

fs::path state_file() {
    const char* state = std::getenv("PGSAFE_SCRATCH_STATE");
    if (state != nullptr && *state != '\0') return state;
    const char* tmpdir = std::getenv("TMPDIR");
    fs::path base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    return base / fmt::format("pgsafe-scratch-{}", ::getuid());
}

void record(const fs::path& directory) {
    std::ofstream out(state_file(), std::ios::trunc);
    out << directory.string() << "\n";
    out.close();
    if (!out) throw Error(ErrorKind::Usage, fmt::format("cannot write {}", state_file().string()));
}

void forget(const fs::path& directory) {
    std::ifstream in(state_file());
    std::string recorded;
    std::getline(in, recorded);
    std::error_code ignored;
    if (directory.empty() || recorded == directory.string()) fs::remove(state_file(), ignored);
}

// The directory the state file names, when it still is a scratch server's.
std::optional<fs::path> recorded_directory() {
    std::ifstream in(state_file());
    std::string directory;
    if (!std::getline(in, directory) || !ScratchServer::is_scratch_directory(directory)) return std::nullopt;
    return fs::path(directory);
}

void note(const std::string& message) {
    std::fprintf(stderr, "pgsafe scratch-server: %s\n", message.c_str());
}

void start(const std::string& wanted) {
    if (auto directory = recorded_directory()) {
        ScratchServer existing = ScratchServer::adopt(*directory);
        if (existing.accepts_connections()) {
            std::string url = existing.url();
            existing.detach();
            throw Error(
                ErrorKind::Usage,
                fmt::format("a scratch server already runs ({}): stop it first (scripts/pg-scratch stop), "
                            "or set PGSAFE_SCRATCH_STATE",
                            url));
        }
        existing.stop();  // what a start that failed or a stop that never ran left behind
    }
    forget({});

    ScratchServer::Options options;
    options.directory = wanted;
    options.lifetime = ScratchServer::Lifetime::Detachable;
    options.on_directory = record;
    auto began = std::chrono::steady_clock::now();
    std::optional<ScratchServer> server;
    try {
        server.emplace(std::move(options));
    } catch (const Error&) {
        forget({});
        throw;
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    note(fmt::format("PostgreSQL running in {} (started in {:.2f} s)", server->directory().string(),
                     took.count()));
    std::printf("%s\n", server->url().c_str());
    std::fflush(stdout);
    server->detach();
}

void stop(const std::string& given) {
    std::optional<fs::path> directory;
    if (!given.empty()) {
        if (!ScratchServer::is_scratch_directory(given))
            throw Error(ErrorKind::Usage, fmt::format("{} is not a scratch server directory", given));
        directory = fs::path(given);
    } else {
        directory = recorded_directory();
    }
    if (!directory) {
        forget({});
        note("no scratch server");
        return;
    }
    ScratchServer server = ScratchServer::adopt(*directory);
    fs::path removed = server.directory();
    server.stop();
    forget(removed);
    note(fmt::format("stopped and removed {}", removed.string()));
}

struct Recorded {
    fs::path directory;
    std::string url;
    bool answers = false;
};

// The recorded server, left as it is; nullopt when none is recorded.
std::optional<Recorded> recorded() {
    auto directory = recorded_directory();
    if (!directory) return std::nullopt;
    ScratchServer server = ScratchServer::adopt(*directory);
    Recorded found{server.directory(), server.url(), server.accepts_connections()};
    server.detach();
    return found;
}

}  // namespace

void add_scratch_server_command(CLI::App& app, const GlobalOptions& /*global*/, int& code) {
    CLI::App* command = app.add_subcommand(
        "scratch-server", "A throwaway PostgreSQL for tests and demos (maintainers: scripts/pg-scratch)");
    command->group("");  // hidden from `pgsafe --help`
    command->require_subcommand(1);
    command->footer(
        "The running server's directory is kept in $PGSAFE_SCRATCH_STATE (default "
        "${TMPDIR:-/tmp}/pgsafe-scratch-$UID). Server programs: $PGSAFE_PG_BINDIR, else pg_config --bindir, "
        "else /usr/lib/postgresql/15/bin.");

    auto directory = std::make_shared<std::string>();
    CLI::App* start_command =
        command->add_subcommand("start", "Start one (in DIR, else a new temporary directory); print its URL");
    start_command->add_option("DIR", *directory, "An empty or missing directory to run it in");
    start_command->callback([directory, &code] {
        start(*directory);
        code = exit_code(ExitCode::Ok);
    });

    auto stop_directory = std::make_shared<std::string>();
    CLI::App* stop_command = command->add_subcommand("stop", "Stop it and remove its directory");
    stop_command->add_option("DIR", *stop_directory, "The server's directory (default: the recorded one)");
    stop_command->callback([stop_directory, &code] {
        stop(*stop_directory);
        code = exit_code(ExitCode::Ok);
    });

    command->add_subcommand("url", "Print the running server's URL")->callback([&code] {
        auto server = recorded();
        if (!server)
            throw Error(ErrorKind::Usage, "no scratch server (start one with scripts/pg-scratch start)");
        if (!server->answers)
            throw Error(ErrorKind::Database,
                        fmt::format("the scratch server in {} does not answer", server->directory.string()));
        std::printf("%s\n", server->url.c_str());
        code = exit_code(ExitCode::Ok);
    });

    command->add_subcommand("status", "Say whether it runs (exit 1 when not)")->callback([&code] {
        auto server = recorded();
        if (server && server->answers) {
            std::printf("running: %s in %s\n", server->url.c_str(), server->directory.c_str());
            code = exit_code(ExitCode::Ok);
        } else {
            std::printf("not running\n");
            code = 1;
        }
    });
}

}  // namespace pgsafe::cli

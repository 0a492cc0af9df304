// `pgsafe scratch-server`, which scripts/pg-scratch wraps and scripts/test,
// scripts/demo and bench/ rely on: the URL alone on stdout, a server that
// outlives the command until `stop`, and a start stopped by SIGINT or
// SIGTERM that leaves no directory and no process.

#include "process.hpp"

#include "pgsafe/db/scratch_server.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using pgsafe::test::run_pgsafe;
using pgsafe::test::RunningPgsafe;
using pgsafe::test::TempDir;

namespace {

int processes_mentioning(const std::string& text) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmdline.find(text) != std::string::npos) ++count;
    }
    return count;
}

std::string first_line(const fs::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// Waits (up to a minute: only a hang trips it) until `ready` holds.
template <typename Ready>
bool wait_for(Ready ready) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace

TEST_CASE("scratch-server start prints only the URL, and the server runs until stop", "[cli][scratch]") {
    TempDir tmp;
    std::string state = "PGSAFE_SCRATCH_STATE=" + tmp.path() + "/state";

    auto status = run_pgsafe({"scratch-server", "status"}, {state});
    CHECK(status.exit_code == 1);
    CHECK(status.out == "not running\n");

    auto start = run_pgsafe({"scratch-server", "start"}, {state});
    REQUIRE(start.exit_code == 0);
    CHECK_THAT(start.out, Catch::Matches("postgresql://postgres@127\\.0\\.0\\.1:[0-9]+/postgres\n"));
    CHECK_THAT(start.err, Catch::Contains("PostgreSQL running in"));
    std::string url = start.out.substr(0, start.out.size() - 1);
    fs::path directory = first_line(tmp.path() + "/state");
    CHECK(fs::is_directory(directory / "data"));

    auto again = run_pgsafe({"scratch-server", "start"}, {state});
    CHECK(again.exit_code != 0);
    CHECK_THAT(again.err, Catch::Contains("already runs (" + url + ")"));

    CHECK(run_pgsafe({"scratch-server", "url"}, {state}).out == url + "\n");
    status = run_pgsafe({"scratch-server", "status"}, {state});
    CHECK(status.exit_code == 0);
    CHECK(status.out == "running: " + url + " in " + directory.string() + "\n");

    auto stop = run_pgsafe({"scratch-server", "stop"}, {state});
    CHECK(stop.exit_code == 0);
    CHECK(stop.out.empty());
    CHECK_FALSE(fs::exists(directory));
    CHECK_FALSE(fs::exists(tmp.path() + "/state"));
    CHECK(processes_mentioning(directory.string()) == 0);

    auto url_now = run_pgsafe({"scratch-server", "url"}, {state});
    CHECK(url_now.exit_code != 0);
    CHECK_THAT(url_now.err, Catch::Contains("no scratch server"));
    CHECK(run_pgsafe({"scratch-server", "stop"}, {state}).exit_code == 0);  // nothing to stop is fine
}

TEST_CASE("scratch-server start in a given directory refuses one that is not empty", "[cli][scratch]") {
    TempDir tmp;
    tmp.write("pg/something", "x");
    auto start = run_pgsafe({"scratch-server", "start", tmp.path() + "/pg"},
                            {"PGSAFE_SCRATCH_STATE=" + tmp.path() + "/state"});
    CHECK(start.exit_code == 2);
    CHECK(start.out.empty());
    CHECK_THAT(start.err, Catch::Contains("is not empty"));
    CHECK(fs::exists(tmp.path() + "/pg/something"));
}

TEST_CASE("a scratch-server start stopped by a signal leaves no directory and no process", "[cli][scratch]") {
    TempDir tmp;
    std::string state_file = tmp.path() + "/state";
    std::vector<std::string> env = {"PGSAFE_SCRATCH_STATE=" + state_file};
    int sig = SIGINT;
    std::string phase;
    SECTION("SIGINT during initdb") {
        phase = "data";
    }
    SECTION("SIGTERM while waiting for a server that never answers") {
        sig = SIGTERM;
        phase = "server.log";
        // initdb for real; a `postgres` that never listens (readable by the postgres user under root).
        std::string bindir = tmp.path() + "/bin";
        fs::create_directories(bindir);
        fs::create_symlink(pgsafe::db::find_server_bindir() / "initdb", bindir + "/initdb");
        std::string postgres =
            tmp.write("bin/postgres", "#!/bin/bash\nexec -a \"hanging-postgres $*\" sleep 60\n");
        ::chmod(tmp.path().c_str(), 0755);
        ::chmod(bindir.c_str(), 0755);
        ::chmod(postgres.c_str(), 0755);
        env.push_back("PGSAFE_PG_BINDIR=" + bindir);
    }
    RunningPgsafe pgsafe(pgsafe::test::k_source_dir, {"scratch-server", "start"}, env);
    fs::path directory;
    REQUIRE(wait_for([&] {
        directory = first_line(state_file);
        return !directory.empty() && fs::exists(directory / phase);
    }));
    pgsafe.signal(sig);
    auto result = pgsafe.wait();
    // Killed by the signal once the clean-up is done, or (when the signal is
    // ignored, as in a background job of a script) exit 130 with a message.
    CHECK((result.exit_code == 128 + sig || result.exit_code == 130));
    CHECK(result.out.empty());
    CHECK_FALSE(fs::exists(directory));
    CHECK(processes_mentioning(directory.string()) == 0);
}

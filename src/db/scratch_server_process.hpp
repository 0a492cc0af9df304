#pragma once
// Child processes for the scratch server (initdb, postgres, pg_config,
// useradd): fork and exec with the output in a file, optionally as another
// user and in a session of their own, and polled waits that a caller can
// interrupt. Internal to src/db/.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgsafe::db::scratch {

// A system user to run a child as (root only).
struct RunAs {
    uid_t uid = 0;
    gid_t gid = 0;
};

// Whether a child outlives this process. With `DiesWithParent` the kernel
// sends it SIGQUIT (immediate shutdown for postgres) when the thread that
// started it ends, so a SIGKILLed pgsafe leaves no server running.
enum class ChildLifetime { DiesWithParent, MayOutlive };

struct Spawn {
    std::vector<std::string> argv;  // argv[0] is the program's path (PATH is searched when it has no '/')
    std::filesystem::path cwd;      // empty: this process's
    std::filesystem::path output;   // stdout and stderr go to this file (truncated); empty: /dev/null
    std::optional<RunAs> user;      // run as this user instead of ourselves
    ChildLifetime lifetime = ChildLifetime::DiesWithParent;
};

// Starts the child in a new session (terminal signals reach pgsafe, not it),
// with SIGINT/SIGTERM unblocked and at their defaults. Throws pgsafe::Error
// (Database) when it cannot be started, with exec's reason.
pid_t spawn(const Spawn& spawn);

// The child's exit status when it has ended (reaping it): the exit code, or
// 128 + signal; -1 when it is not (or no longer) our child; nullopt while it runs.
std::optional<int> try_wait(pid_t pid);

// Polls `until` (and try_wait) every few milliseconds. Returns what `until`
// returned last; stops early with false when `interrupted` says so.
using Clock = std::chrono::steady_clock;
bool poll_until(const std::function<bool()>& until, Clock::duration timeout,
                const std::function<bool()>& interrupted = {});

// Whether a process exists and has not ended (a zombie counts as ended).
bool process_alive(pid_t pid);

// Kills the child's whole process group with SIGKILL and reaps it. Never throws.
void kill_group(pid_t pid) noexcept;

// Runs a child to its end and returns its exit status (the exit code, or 128 + signal).
int run(const Spawn& spawn);

// The first line a program prints on stdout when it exits 0; nullopt when it
// cannot be run or fails.
std::optional<std::string> first_output_line(const std::vector<std::string>& argv);

}  // namespace pgsafe::db::scratch

// fork/exec/waitpid for the scratch server's children. Everything the child
// needs is prepared before fork, so that between fork and exec it only makes
// system calls (safe even when the parent has other threads).

#include "scratch_server_process.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pgsafe::db::scratch {
namespace {

// Writes errno to the parent and exits: called in the child only.
[[noreturn]] void child_fail(int report_fd) {
    int error = errno;
    ssize_t ignored = ::write(report_fd, &error, sizeof error);
    (void)ignored;
    ::_exit(127);
}

[[noreturn]] void exec_child(const Spawn& spawn, const std::vector<char*>& argv, int output_fd, int report_fd,
                             pid_t parent) {
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);

    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd < 0) child_fail(report_fd);
    int out = output_fd >= 0 ? output_fd : null_fd;
    if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(out, STDERR_FILENO) < 0)
        child_fail(report_fd);
    if (!spawn.cwd.empty() && ::chdir(spawn.cwd.c_str()) != 0) child_fail(report_fd);
    if (spawn.user) {
        gid_t gid = spawn.user->gid;
        if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(spawn.user->uid) != 0)
            child_fail(report_fd);
    }
    // After setuid, which clears it; a parent that ended before this line is caught by getppid().
    if (spawn.lifetime == ChildLifetime::DiesWithParent) {
        if (::prctl(PR_SET_PDEATHSIG, SIGQUIT) != 0) child_fail(report_fd);
        if (::getppid() != parent) ::_exit(128 + SIGQUIT);
    }
    ::execvp(argv[0], argv.data());
    child_fail(report_fd);
}

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

pid_t spawn(const Spawn& spawn) {
    std::vector<char*> argv;
    for (const auto& arg : spawn.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);

    int output_fd = -1;
    if (!spawn.output.empty()) {
        output_fd = ::open(spawn.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (output_fd < 0)
            throw Error(ErrorKind::Database,
                        fmt::format("cannot write {}: {}", spawn.output.string(), std::strerror(errno)));
    }
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        int error = errno;
        if (output_fd >= 0) ::close(output_fd);
        throw Error(ErrorKind::Database,
                    fmt::format("cannot run {}: {}", spawn.argv[0], std::strerror(error)));
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) exec_child(spawn, argv, output_fd, report[1], parent);
    int fork_error = errno;
    ::close(report[1]);
    if (output_fd >= 0) ::close(output_fd);
    if (pid < 0) {
        ::close(report[0]);
        throw Error(ErrorKind::Database,
                    fmt::format("cannot run {}: {}", spawn.argv[0], std::strerror(fork_error)));
    }
    // Nothing to read means exec succeeded (the pipe closed on exec).
    int child_error = 0;
    ssize_t got;
    do {
        got = ::read(report[0], &child_error, sizeof child_error);
    } while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == sizeof child_error) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        throw Error(ErrorKind::Database,
                    fmt::format("cannot run {}: {}", spawn.argv[0], std::strerror(child_error)));
    }
    return pid;
}

std::optional<int> try_wait(pid_t pid) {
    int status = 0;
    pid_t got = ::waitpid(pid, &status, WNOHANG);
    if (got == 0) return std::nullopt;
    if (got < 0) return errno == ECHILD ? std::optional<int>(-1) : std::nullopt;
    if (!WIFEXITED(status) && !WIFSIGNALED(status)) return std::nullopt;  // stopped or continued
    return exit_code(status);
}

bool poll_until(const std::function<bool()>& until, Clock::duration timeout,
                const std::function<bool()>& interrupted) {
    auto deadline = Clock::now() + timeout;
    auto pause = std::chrono::milliseconds(2);
    while (true) {
        if (until()) return true;
        if (interrupted && interrupted()) return false;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(20));
    }
}

bool process_alive(pid_t pid) {
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) return false;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line)) return true;
    auto after_name = line.rfind(')');  // "pid (comm) S …": comm may hold spaces and parentheses
    return after_name == std::string::npos || after_name + 2 >= line.size() || line[after_name + 2] != 'Z';
}

void kill_group(pid_t pid) noexcept {
    if (pid <= 0) return;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
}

int run(const Spawn& spawn) {
    pid_t pid = scratch::spawn(spawn);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return exit_code(status);
}

std::optional<std::string> first_output_line(const std::vector<std::string>& argv) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") + "/pgsafe-output.XXXXXX";
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back('\0');
    int fd = ::mkstemp(path.data());
    if (fd < 0) return std::nullopt;
    ::close(fd);
    std::optional<std::string> line;
    try {
        Spawn child;
        child.argv = argv;
        child.output = path.data();
        if (run(child) == 0) {
            std::ifstream in(path.data());
            std::string text;
            if (std::getline(in, text)) line = text;
        }
    } catch (const Error&) {
        // cannot be run: nullopt
    }
    ::unlink(path.data());
    return line;
}

}  // namespace pgsafe::db::scratch

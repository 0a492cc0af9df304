// Child processes for cli tests: fork/exec the binary with pipes, so tests
// see exactly what a user's shell or pipeline would.

#include "process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace pgsafe::test {
namespace {

std::string drain(int fd) {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

}  // namespace

RunningPgsafe::RunningPgsafe(const std::string& cwd, const std::vector<std::string>& args,
                             const std::vector<std::string>& env) {
    static std::atomic<int> counter{0};
    m_out_file = (std::filesystem::temp_directory_path() /
                  ("pgsafe-test-out-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
                     .string();
    m_err_file = m_out_file + ".err";
    m_pid = fork();
    if (m_pid < 0) throw std::runtime_error("fork failed");
    if (m_pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(m_out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(m_err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        if (chdir(cwd.c_str()) != 0) _exit(127);
        for (const char* name : {"PGSAFE_FAIL_ON", "PGSAFE_FORMAT", "PGSAFE_CONFIG", "PGSAFE_ENV"})
            unsetenv(name);
        for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> argv;
        std::string binary = PGSAFE_BINARY;
        argv.push_back(binary.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
}

RunningPgsafe::~RunningPgsafe() {
    if (m_pid > 0) {
        kill(m_pid, SIGKILL);
        wait();
    }
}

void RunningPgsafe::signal(int sig) {
    kill(m_pid, sig);
}

std::string RunningPgsafe::err_so_far() const {
    std::ifstream in(m_err_file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

ProcessResult RunningPgsafe::wait() {
    int status = 0;
    waitpid(m_pid, &status, 0);
    m_pid = -1;
    ProcessResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int fd = open(m_out_file.c_str(), O_RDONLY);
    r.out = drain(fd);
    close(fd);
    fd = open(m_err_file.c_str(), O_RDONLY);
    r.err = drain(fd);
    close(fd);
    std::filesystem::remove(m_out_file);
    std::filesystem::remove(m_err_file);
    return r;
}

ProcessResult run_pgsafe_in(const std::string& cwd, const std::vector<std::string>& args,
                            const std::vector<std::string>& env) {
    return RunningPgsafe(cwd, args, env).wait();
}

ProcessResult run_pgsafe(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    return run_pgsafe_in(PGSAFE_SOURCE_DIR, args, env);
}

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    m_path = (std::filesystem::temp_directory_path() /
              ("pgsafe-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++)))
                 .string();
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = std::filesystem::path(m_path) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
}

}  // namespace pgsafe::test

#pragma once
// Running the built pgsafe binary from tests: exit code, stdout and stderr.

#include <string>
#include <vector>

namespace pgsafe::test {

// The source tree, where the cli tests run pgsafe from.
inline const std::string k_source_dir = PGSAFE_SOURCE_DIR;

struct ProcessResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs `pgsafe args…` from `cwd` (config discovery depends on it), with extra
// environment assignments ("NAME=value"); stdin is /dev/null. The PGSAFE_*
// variables of the test's own environment are cleared, so a developer's shell
// cannot change a result.
ProcessResult run_pgsafe_in(const std::string& cwd, const std::vector<std::string>& args,
                            const std::vector<std::string>& env = {});

// pgsafe started in the background, for tests that signal or kill it
// mid-run. The destructor kills (SIGKILL) and reaps it if wait() was not called.
class RunningPgsafe {
public:
    RunningPgsafe(const std::string& cwd, const std::vector<std::string>& args,
                  const std::vector<std::string>& env = {});
    ~RunningPgsafe();
    RunningPgsafe(const RunningPgsafe&) = delete;
    RunningPgsafe& operator=(const RunningPgsafe&) = delete;
    int pid() const { return m_pid; }
    void signal(int sig);
    std::string err_so_far() const;  // what it has written to stderr until now
    ProcessResult wait();

private:
    int m_pid = -1;
    std::string m_out_file;
    std::string m_err_file;
};

// run_pgsafe_in from the source directory.
ProcessResult run_pgsafe(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return m_path; }
    // Writes `content` to path()/name (creating folders) and returns its full path.
    std::string write(const std::string& name, const std::string& content) const;

private:
    std::string m_path;
};

}  // namespace pgsafe::test

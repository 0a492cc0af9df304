// The pgsafe-lint hook of .pre-commit-hooks.yaml as a developer meets it:
// Debian's pre-commit, installed as the git hook of a scratch repository,
// stops a commit with a bad migration and lets a good one through. The hook
// comes from a local copy of this repository's manifest (a path, never the
// network); the built pgsafe is first on PATH, as an installed one would be.

#include "process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using pgsafe::test::k_source_dir;
using pgsafe::test::TempDir;

namespace fs = std::filesystem;

namespace {

struct ShellResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr together, as a terminal shows them
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a bash script in `cwd` with git and pre-commit kept to the scratch
// directory: no user or system git config, no ~/.cache/pre-commit.
class Sandbox {
public:
    ShellResult run(const std::string& cwd, const std::string& script) const {
        std::string env =
            "set -e\n"
            "export HOME=" +
            shell_quote(m_dir.path() + "/home") +
            "\n"
            "export PRE_COMMIT_HOME=" +
            shell_quote(m_dir.path() + "/pre-commit-cache") +
            "\n"
            "export PATH=" +
            shell_quote(fs::path(PGSAFE_BINARY).parent_path().string()) +
            ":\"$PATH\"\n"
            "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null\n"
            "export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.org\n"
            "export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.org\n"
            "unset PGSAFE_FORMAT PGSAFE_CONFIG PGSAFE_ENV PGSAFE_FAIL_ON DATABASE_URL\n"
            "cd " +
            shell_quote(cwd) + "\n";
        std::string file = m_dir.write("script-" + std::to_string(m_runs++) + ".sh", env + script);
        std::string log = file + ".log";
        int status = std::system(("bash " + shell_quote(file) + " > " + shell_quote(log) + " 2>&1").c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(log)};
    }
    const std::string& path() const { return m_dir.path(); }

private:
    TempDir m_dir;
    mutable int m_runs = 0;
};

bool pre_commit_available() {
    return std::system("command -v pre-commit > /dev/null 2>&1") == 0;
}

}  // namespace

TEST_CASE("pre-commit's pgsafe-lint hook stops a bad migration and passes a good one", "[pre-commit]") {
    if (!pre_commit_available()) {
        const char* ci = std::getenv("CI");
        if (ci != nullptr && *ci != '\0') FAIL("pre-commit is not installed; scripts/setup installs it");
        WARN("SKIPPED: pre-commit is not installed (scripts/setup installs it; CI fails here instead)");
        return;
    }
    Sandbox box;
    std::string hooks = box.path() + "/pgsafe-hooks";
    std::string project = box.path() + "/project";
    fs::create_directories(hooks);
    fs::create_directories(project);
    fs::copy_file(fs::path(k_source_dir) / ".pre-commit-hooks.yaml",
                  fs::path(hooks) / ".pre-commit-hooks.yaml");

    // The hook repository: this repository's manifest, committed and tagged.
    auto published = box.run(hooks,
                             "git init -q -b main\n"
                             "git add .pre-commit-hooks.yaml\n"
                             "git commit -q -m hooks\n"
                             "git tag v0\n");
    REQUIRE(published.exit_code == 0);

    // A project that uses it, with pre-commit installed as its git hook.
    auto installed = box.run(project,
                             "git init -q -b main\n"
                             "cat > .pre-commit-config.yaml <<EOF\n"
                             "repos:\n"
                             "  - repo: " +
                                 hooks +
                                 "\n"
                                 "    rev: v0\n"
                                 "    hooks:\n"
                                 "      - id: pgsafe-lint\n"
                                 "EOF\n"
                                 "git add .pre-commit-config.yaml\n"
                                 "pre-commit install\n");
    REQUIRE(installed.exit_code == 0);

    // A foreign key on an existing table of unknown size: an error.
    auto bad = box.run(project,
                       "mkdir -p db/migrations\n"
                       "printf 'ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (patient_id) "
                       "REFERENCES patients (id);\\n' > db/migrations/V1__fk.sql\n"
                       "git add db/migrations/V1__fk.sql\n"
                       "git commit -m 'add fk'\n");
    INFO(bad.output);
    CHECK(bad.exit_code != 0);
    CHECK_THAT(bad.output, Catch::Contains("pgsafe lint"));
    CHECK_THAT(bad.output, Catch::Contains("Failed"));
    CHECK_THAT(bad.output, Catch::Contains("db/migrations/V1__fk.sql:1:"));
    CHECK_THAT(bad.output, Catch::Contains("error[adding-foreign-key-constraint]"));
    CHECK(box.run(project, "git rev-parse -q --verify HEAD\n").exit_code != 0);  // nothing was committed

    // The safe form passes; a .sql file outside migrations/ is not the hook's business.
    auto good =
        box.run(project,
                "printf 'ALTER TABLE measurements ADD CONSTRAINT m_fk FOREIGN KEY (patient_id) "
                "REFERENCES patients (id) NOT VALID;\\n' > db/migrations/V1__fk.sql\n"
                "printf 'ALTER TABLE measurements ADD CONSTRAINT x FOREIGN KEY (a) REFERENCES b (id);\\n'"
                " > scratch.sql\n"
                "git add db/migrations/V1__fk.sql scratch.sql\n"
                "git commit -m 'add fk, not valid'\n");
    INFO(good.output);
    CHECK(good.exit_code == 0);
    CHECK_THAT(good.output, Catch::Contains("Passed"));
    CHECK(box.run(project, "git rev-parse -q --verify HEAD\n").exit_code == 0);
}

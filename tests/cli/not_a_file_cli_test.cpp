// A broken symlink, a directory or a FIFO named like a migration is an
// error that names it, in every command: skipping it would apply (or lint,
// or plan) the migrations after it as if it were not there.

#include "process.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <filesystem>
#include <string>

using pgsafe::test::run_pgsafe;
using pgsafe::test::TempDir;

TEST_CASE("a migration name that is not a regular file is exit 2 naming it, in every command",
          "[cli][discover]") {
    struct Kind {
        const char* what;
        const char* said;
    };
    for (Kind kind : {Kind{"broken symlink", "is a broken symbolic link"},
                      Kind{"directory", "is a directory"}, Kind{"fifo", "is a FIFO"}}) {
        TempDir dir;
        std::string migrations = dir.path() + "/migrations";
        dir.write("migrations/V1__a.sql", "CREATE TABLE a (id int);\n");
        dir.write("migrations/V3__c.sql", "CREATE TABLE c (id int);\n");
        std::string odd = migrations + "/V2__b.sql";
        if (std::string(kind.what) == "broken symlink")
            std::filesystem::create_symlink(migrations + "/gone.sql.txt", odd);
        else if (std::string(kind.what) == "directory")
            std::filesystem::create_directory(odd);
        else
            REQUIRE(mkfifo(odd.c_str(), 0600) == 0);
        for (const char* command : {"lint", "plan", "migrate", "status"}) {
            // lint walks into directories (a migration per directory is a layout some tools use).
            if (std::string(kind.what) == "directory" && std::string(command) == "lint") continue;
            INFO(kind.what << " " << command);
            // migrate and status must stop before connecting; lint and plan need no database.
            bool connects = std::string(command) == "migrate" || std::string(command) == "status";
            auto r = connects
                         ? run_pgsafe({command, migrations, "--db", "postgresql://nobody@127.0.0.1:1/none"})
                         : run_pgsafe({command, migrations});
            INFO(r.out << r.err);
            CHECK(r.exit_code == 2);
            CHECK(r.err.find("V2__b.sql: " + std::string(kind.said)) != std::string::npos);
        }
    }
}

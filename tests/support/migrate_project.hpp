#pragma once
// A project for `pgsafe migrate` tests: pgsafe.toml (with `toml`) and an
// empty migrations/ folder in a temporary directory, files added one by one.
//
//     MigrateProject p;
//     p.add("V1__a.sql", "CREATE TABLE a (id int);");
//     auto r = p.migrate(*db, {"--format", "json"});

#include "process.hpp"
#include "test_db.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pgsafe::test {

struct MigrateProject {
    TempDir dir;
    std::string migrations;
    std::string config;
    explicit MigrateProject(const std::string& toml = "") {
        migrations = dir.path() + "/migrations";
        std::filesystem::create_directories(migrations);
        config = dir.write("pgsafe.toml", toml);
    }
    void add(const std::string& file, const std::string& sql) const { dir.write("migrations/" + file, sql); }
    // `pgsafe migrate` of this project against `db`, then `extra`.
    std::vector<std::string> args(const ScratchDatabase& db, std::vector<std::string> extra = {}) const {
        std::vector<std::string> a = {"migrate", migrations, "--db", db.dsn(), "--config", config};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    ProcessResult migrate(const ScratchDatabase& db, std::vector<std::string> extra = {}) const {
        return run_pgsafe(args(db, std::move(extra)));
    }
    // Any pgsafe command (`args`) against `db`, with this project's configuration.
    ProcessResult run(const ScratchDatabase& db, std::vector<std::string> args) const {
        args.insert(args.end(), {"--db", db.dsn(), "--config", config});
        return run_pgsafe(args);
    }
};

}  // namespace pgsafe::test

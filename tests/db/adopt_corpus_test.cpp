// `pgsafe adopt` on real files (../shared/corpus) arranged as each tool lays
// them out: lemmy as Diesel `<version>_<name>/up.sql` directories, documenso
// as Prisma `<timestamp>_<name>/migration.sql` directories with
// migration_lock.toml, docs-rs as golang-migrate `.up.sql`/`.down.sql` pairs.
// The older files are applied as the tool applies them, its history table is
// made with the exact schema and rows that tool writes (versions named per
// tool below), then `pgsafe adopt` and `pgsafe migrate` must apply exactly
// the newer files and leave the tool's table as it was. Skipped with a
// message when ../shared/corpus is not beside the work tree.

#include "process.hpp"
#include "test_db.hpp"

#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;
using nlohmann::json;
using pgsafe::test::run_pgsafe;
using pgsafe::test::ScratchDatabase;
using pgsafe::test::TempDir;

using pgsafe::test::exec;
using pgsafe::test::value;

namespace {

const fs::path k_corpus = fs::path(pgsafe::test::k_source_dir) / ".." / "shared" / "corpus";

bool corpus_present() {
    if (fs::is_directory(k_corpus)) return true;
    WARN(k_corpus.string() << " not found: adopt tests on real files skipped");
    return false;
}

// The first `count` entries of a corpus folder, in byte order (every tool's order for these names).
std::vector<fs::path> first(const fs::path& dir, std::size_t count) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    out.resize(std::min(count, out.size()));
    return out;
}

std::string bytes_of(const fs::path& path) {
    return pgsafe::source::read_file(path);
}

std::string snapshot(const std::string& dsn, const std::string& table) {
    return value(dsn, "SELECT string_agg(t::text || ' ' || t.xmin::text, E'\\n' ORDER BY t::text) FROM " +
                          table + " t");
}

// What `pgsafe migrate --format json` applied, by version.
std::vector<std::string> migrate(const ScratchDatabase& db, const std::string& dir,
                                 const std::string& config) {
    auto run = run_pgsafe({"migrate", dir, "--db", db.dsn(), "--config", config, "--format", "json"});
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    std::vector<std::string> out;
    json result = json::parse(run.out);
    for (const auto& a : result["applied"]) out.push_back(a["version"]);
    return out;
}

std::string adopt(const ScratchDatabase& db, const std::string& dir, const std::string& config,
                  const std::string& tool) {
    auto r = run_pgsafe({"adopt", dir, "--from", tool, "--db", db.dsn(), "--config", config});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    return r.out;
}

}  // namespace

TEST_CASE("corpus: lemmy as Diesel directories, adopted from __diesel_schema_migrations",
          "[db][adopt][corpus]") {
    if (!corpus_present()) return;
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    std::string config = dir.write("pgsafe.toml", "");
    std::string migrations = dir.path() + "/migrations";
    auto folders = first(k_corpus / "lemmy" / "up", 6);
    REQUIRE(folders.size() == 6);
    // diesel_migrations 2.2 (diesel_cli 2.2): the table it creates, then per migration
    // up.sql and the row, in one transaction (run_in_transaction defaults to true).
    exec(db->dsn(),
         "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, "
         "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
    std::vector<std::string> versions;
    for (std::size_t i = 0; i < folders.size(); ++i) {
        std::string name = folders[i].filename().string();
        dir.write("migrations/" + name + "/up.sql", bytes_of(folders[i] / "up.sql"));
        std::string version = name.substr(0, name.find('_'));
        version.erase(std::remove(version.begin(), version.end(), '-'), version.end());
        versions.push_back(version);
        if (i < 4)
            exec(db->dsn(),
                 "BEGIN;\n" + bytes_of(folders[i] / "up.sql") +
                     fmt::format(
                         "\n;\nINSERT INTO __diesel_schema_migrations (version) VALUES ('{}');\nCOMMIT;",
                         version));
    }
    std::string before = snapshot(db->dsn(), "__diesel_schema_migrations");
    std::string out = adopt(*db, migrations, config, "diesel");
    CHECK(out.find("adopt    " + versions[3]) != std::string::npos);
    CHECK(out.find("pending  " + versions[4]) != std::string::npos);
    CHECK(migrate(*db, migrations, config) == std::vector<std::string>{versions[4], versions[5]});
    CHECK(snapshot(db->dsn(), "__diesel_schema_migrations") == before);
    CHECK(migrate(*db, migrations, config).empty());
}

TEST_CASE("corpus: documenso as Prisma directories, adopted from _prisma_migrations", "[db][adopt][corpus]") {
    if (!corpus_present()) return;
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    std::string config = dir.write("pgsafe.toml", "");
    std::string migrations = dir.path() + "/migrations";
    dir.write(
        "migrations/migration_lock.toml",
        "# Please do not edit this file manually\n# It should be added in your version-control system (i.e. "
        "Git)\nprovider = \"postgresql\"");
    auto folders = first(k_corpus / "documenso" / "up", 5);
    REQUIRE(folders.size() == 5);
    // Prisma 5 (schema-engine, postgres): the table `prisma migrate deploy` creates, and
    // per applied migration a row with the SHA-256 hex of migration.sql.
    exec(db->dsn(), R"sql(
CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "_prisma_migrations_pkey" PRIMARY KEY ("id"));)sql");
    std::vector<std::string> versions;
    for (std::size_t i = 0; i < folders.size(); ++i) {
        std::string name = folders[i].filename().string();
        std::string sql = bytes_of(folders[i] / "migration.sql");
        dir.write("migrations/" + name + "/migration.sql", sql);
        versions.push_back(name.substr(0, name.find('_')));
        if (i >= 3) continue;
        exec(db->dsn(), sql);
        exec(
            db->dsn(),
            fmt::format(
                "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, "
                "applied_steps_count) VALUES ('0f0e0d0c-0000-4000-8000-00000000000{}', '{}', now(), '{}', 1)",
                i, pgsafe::source::sha256_checksum(sql).substr(7), name));
    }
    std::string before = snapshot(db->dsn(), "_prisma_migrations");
    std::string out = adopt(*db, migrations, config, "prisma");
    CHECK(out.find("prisma checksum verified") != std::string::npos);
    CHECK(out.find("pending  " + versions[3]) != std::string::npos);
    CHECK(migrate(*db, migrations, config) == std::vector<std::string>{versions[3], versions[4]});
    CHECK(snapshot(db->dsn(), "_prisma_migrations") == before);
}

TEST_CASE("corpus: docs-rs as golang-migrate pairs, adopted from its one schema_migrations row",
          "[db][adopt][corpus]") {
    if (!corpus_present()) return;
    auto db = pgsafe::test::scratch_database();
    if (!db) return;
    TempDir dir;
    std::string config = dir.write("pgsafe.toml", "layout = \"golang-migrate\"\n");
    std::string migrations = dir.path() + "/migrations";
    auto ups = first(k_corpus / "docs-rs" / "up", 5);
    REQUIRE(ups.size() == 5);
    // golang-migrate v4.17 (database/postgres): its table, and after `migrate up 3` one row.
    exec(db->dsn(),
         "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean "
         "not null)");
    std::vector<std::string> versions;
    for (std::size_t i = 0; i < ups.size(); ++i) {
        std::string name = ups[i].filename().string();
        std::string down = name.substr(0, name.size() - 7) + ".down.sql";
        dir.write("migrations/" + name, bytes_of(ups[i]));
        if (fs::exists(k_corpus / "docs-rs" / "down" / down))
            dir.write("migrations/" + down, bytes_of(k_corpus / "docs-rs" / "down" / down));
        versions.push_back(name.substr(0, name.find('_')));
        if (i < 3) exec(db->dsn(), bytes_of(ups[i]));
    }
    exec(db->dsn(), "INSERT INTO schema_migrations VALUES (" + versions[2] + ", false)");
    std::string before = snapshot(db->dsn(), "schema_migrations");
    std::string out = adopt(*db, migrations, config, "golang-migrate");
    CHECK(out.find("covered by version " + versions[2]) != std::string::npos);
    CHECK(migrate(*db, migrations, config) == std::vector<std::string>{versions[3], versions[4]});
    CHECK(snapshot(db->dsn(), "schema_migrations") == before);
}

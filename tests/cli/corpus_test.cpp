// `pgsafe lint` over the real-world corpus in ../shared/corpus (4,841 migration
// files from 16 public projects): no crash, every file reported, and a
// `syntax-error` only where PostgreSQL 15 itself cannot parse the file.
// The 16 files that do not parse are documented in corpus/SOURCES.md.
// Without the corpus the test fails in CI (env CI set) and is skipped with a
// warning elsewhere, as the db tests are without a database.

#include "process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

using pgsafe::test::run_pgsafe;

namespace {

namespace fs = std::filesystem;

// Files PostgreSQL 15's parser (libpg_query 15) rejects, relative to the corpus
// root, with the reason from SOURCES.md. A syntax error anywhere else is a pgsafe
// bug; one of these parsing means the corpus or the parser changed.
const std::map<std::string, std::string> k_unparsable = {
    // Lemmy: PostgreSQL 16 syntax (subquery in FROM without an alias).
    {"lemmy/up/2025-08-01-000016_smoosh-tables-together/up.sql", "PG16: subquery in FROM without alias"},
    // Lemmy: PostgreSQL 18 syntax (named NOT NULL constraints, `CONSTRAINT name NOT NULL col`).
    {"lemmy/down/2024-03-06-104706_local_image_user_opt/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000016_smoosh-tables-together/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000034_no-image-token/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000041_remove-aggregate-tables/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000042_community-hidden-visibility/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000045_site_person_ban/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000051_local_image_person/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000053_remove_hide_modlog_names/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000061_drop-person-ban/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-08-01-000063_post-or-comment-notification/down.sql", "PG18: named NOT NULL constraint"},
    {"lemmy/down/2025-10-15-114811-0000_merge-modlog-tables/down.sql", "PG18: named NOT NULL constraint"},
    // crates.io: a real bug in the repository (a missing `;`).
    {"crates-io/down/0132__20170318181441_downloads_need_no_id/down.sql", "missing ';'"},
    // ente: real bugs in two rollback scripts.
    {"ente/down/0003__3_add_encypted_collection_name.down.sql", "missing commas"},
    {"ente/down/0044__44_trash_add_index.down.sql", "DROP INDEX IF NOT EXISTS"},
    // hatchet: goose file whose Up section ends without `;`, so it runs into the Down section.
    {"hatchet/up/20250519145912_v1_0_21.sql", "goose Up section without final ';'"},
};

// Every .sql regular file under root that `lint` reads (hidden entries skipped), relative to root.
std::set<std::string> sql_files_under(const fs::path& root) {
    std::set<std::string> files;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && it->path().extension() == ".sql")
            files.insert(it->path().lexically_relative(root).generic_string());
    }
    return files;
}

}  // namespace

TEST_CASE("the real-world corpus lints without a crash and without a syntax error PostgreSQL 15 accepts") {
    const std::string corpus = PGSAFE_SOURCE_DIR "/../shared/corpus";
    if (!fs::is_directory(corpus)) {
        // Like the db tests: never skipped silently in CI.
        const char* ci = std::getenv("CI");
        if (ci != nullptr && *ci != '\0')
            FAIL(corpus << " not found: the corpus check cannot run in CI without it");
        WARN(corpus << " not found: corpus check skipped (it runs when ../shared/corpus exists beside the "
                       "work tree)");
        return;
    }

    auto r = run_pgsafe({"lint", "--format", "json", "--fail-on", "never", corpus});
    INFO("stderr: " << r.err.substr(0, 2000));
    // 3: some statement did not parse (the files above); anything else is a crash or a usage error.
    REQUIRE((r.exit_code == 0 || r.exit_code == 3));
    auto report = nlohmann::json::parse(r.out);

    std::set<std::string> reported;
    std::set<std::string> with_syntax_error;
    const std::string prefix = corpus + "/";
    for (const auto& file : report["files"]) {
        std::string path = file["path"].get<std::string>();
        if (path.rfind(prefix, 0) == 0) path = path.substr(prefix.size());
        reported.insert(path);
        for (const auto& finding : file["findings"]) {
            if (finding["rule"] == "syntax-error") {
                with_syntax_error.insert(path);
                if (k_unparsable.count(path) == 0) {
                    FAIL_CHECK(path << ":" << finding["line"] << ":" << finding["column"]
                                    << ": unexpected syntax-error: "
                                    << finding["message"].get<std::string>());
                }
            }
        }
    }

    for (const auto& [path, reason] : k_unparsable) {
        INFO(path << " (" << reason << ") is known not to parse with PostgreSQL 15");
        CHECK(with_syntax_error.count(path) == 1);
    }

    // Every file is read: none silently skipped (the two langfuse directories
    // named *.sql are directories, not files).
    auto expected = sql_files_under(corpus);
    std::vector<std::string> missing;
    std::set_difference(expected.begin(), expected.end(), reported.begin(), reported.end(),
                        std::back_inserter(missing));
    INFO("first missing: " << (missing.empty() ? std::string("-") : missing.front()));
    CHECK(missing.empty());
    CHECK(report["summary"]["files"] == expected.size());
}

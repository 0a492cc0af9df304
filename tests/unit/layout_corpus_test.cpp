// The layouts on real files: ../shared/corpus's migrations arranged as each
// tool lays them out (Diesel directories with up.sql and down.sql, goose
// files with Up and Down sections, Prisma directories with
// migration_lock.toml, golang-migrate .up.sql/.down.sql pairs, popx dialect
// files), then read by discovery with the layout named and with `auto`.
// Skipped with a message when ../shared/corpus is not beside the work tree.

#include "pgsafe/source/layout.hpp"
#include "pgsafe/sql/parse.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace pgsafe::source;

namespace {

const fs::path k_corpus = fs::path(PGSAFE_SOURCE_DIR) / ".." / "shared" / "corpus";

bool corpus_present() {
    if (fs::is_directory(k_corpus)) return true;
    WARN(
        k_corpus.string() << " not found: layout tests on real files skipped (they run when ../shared/corpus "
                             "exists beside the work tree)");
    return false;
}

class Arranged {
public:
    Arranged() {
        static std::atomic<int> counter{0};
        m_path = fs::temp_directory_path() /
                 ("pgsafe_layout_corpus_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~Arranged() {
        std::error_code ignored;
        fs::remove_all(m_path, ignored);
    }
    Arranged(const Arranged&) = delete;
    Arranged& operator=(const Arranged&) = delete;
    const fs::path& path() const { return m_path; }
    void copy(const fs::path& from, const std::string& to) const {
        fs::create_directories((m_path / to).parent_path());
        fs::copy_file(from, m_path / to, fs::copy_options::overwrite_existing);
    }
    void write(const std::string& to, const std::string& text) const {
        fs::create_directories((m_path / to).parent_path());
        std::ofstream(m_path / to, std::ios::binary) << text;
    }

private:
    fs::path m_path;
};

std::vector<fs::path> sorted_entries(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("corpus: lemmy's Diesel directories read as Diesel, by auto too, each up.sql whole",
          "[source][layout]") {
    if (!corpus_present()) return;
    Arranged dir;
    std::size_t count = 0;
    for (const auto& up_dir : sorted_entries(k_corpus / "lemmy" / "up")) {
        std::string name = up_dir.filename().string();
        dir.copy(up_dir / "up.sql", name + "/up.sql");
        if (fs::exists(k_corpus / "lemmy" / "down" / name / "down.sql"))
            dir.copy(k_corpus / "lemmy" / "down" / name / "down.sql", name + "/down.sql");
        ++count;
    }
    // crates.io marks CONCURRENTLY migrations so; one here, as Diesel reads it.
    std::string last = sorted_entries(dir.path()).back().filename().string();
    dir.write(last + "/metadata.toml", "run_in_transaction = false\n");

    CHECK(detect_layout(dir.path()).layout == Layout::Diesel);
    auto found = discover(dir.path(), Layout::Auto);
    CHECK(found.layout == Layout::Diesel);
    REQUIRE(found.files.size() == count);
    CHECK(found.files.front().name == "diesel_initial_setup");
    CHECK(found.transactions.back().wrapped == false);
    for (std::size_t i = 0; i + 1 < found.files.size(); ++i) {
        INFO(found.files[i].path << " before " << found.files[i + 1].path);
        CHECK(found.files[i].path.parent_path().filename() <
              found.files[i + 1].path.parent_path().filename());
        CHECK(found.files[i].path.filename() == "up.sql");
    }
    CHECK(found.files.front().text ==
          canonical_text(read_file(k_corpus / "lemmy/up/00000000000000_diesel_initial_setup/up.sql")));
}

TEST_CASE("corpus: hatchet's goose files read as goose: Up sections only, at the files' own lines",
          "[source][layout]") {
    if (!corpus_present()) return;
    Arranged dir;
    std::size_t count = 0;
    for (const auto& file : sorted_entries(k_corpus / "hatchet" / "up")) {
        dir.copy(file, file.filename().string());
        ++count;
    }
    auto detected = detect_layout(dir.path());
    CHECK(detected.layout == Layout::Goose);
    auto found = discover(dir.path(), Layout::Auto);
    REQUIRE(found.files.size() == count);
    std::size_t with_down = 0;
    for (const auto& file : found.files) {
        INFO(file.path);
        std::string original = canonical_text(read_file(file.path));
        auto up = original.find("-- +goose Up");
        REQUIRE(up != std::string::npos);
        auto down = original.find("-- +goose Down");
        CHECK(file.text.find("-- +goose Down") == std::string::npos);
        if (down != std::string::npos) ++with_down;
        // Every line of the text is the file's own line, or empty above the Up section.
        std::string expected = std::string(std::count(original.begin(), original.begin() + up, '\n'), '\n') +
                               original.substr(up, down == std::string::npos ? std::string::npos : down - up);
        CHECK(file.text == expected);
    }
    CHECK(with_down > 0);
}

TEST_CASE("corpus: documenso's Prisma directories read as Prisma with migration_lock.toml",
          "[source][layout]") {
    if (!corpus_present()) return;
    Arranged dir;
    dir.write("migration_lock.toml", "# Please do not edit this file manually\nprovider = \"postgresql\"\n");
    std::size_t count = 0;
    for (const auto& up_dir : sorted_entries(k_corpus / "documenso" / "up")) {
        dir.copy(up_dir / "migration.sql", up_dir.filename().string() + "/migration.sql");
        ++count;
    }
    CHECK(detect_layout(dir.path()).layout == Layout::Prisma);
    auto found = discover(dir.path(), Layout::Auto);
    REQUIRE(found.files.size() == count);
    for (std::size_t i = 0; i + 1 < found.files.size(); ++i)
        CHECK(found.files[i].path.parent_path().filename() <
              found.files[i + 1].path.parent_path().filename());
}

TEST_CASE(
    "corpus: docs-rs as golang-migrate .up.sql/.down.sql pairs; auto reads them in pgsafe's layout, the same",
    "[source][layout]") {
    if (!corpus_present()) return;
    Arranged dir;
    std::size_t ups = 0;
    for (const auto& file : sorted_entries(k_corpus / "docs-rs" / "up")) {
        dir.copy(file, file.filename().string());
        ++ups;
    }
    for (const auto& file : sorted_entries(k_corpus / "docs-rs" / "down"))
        dir.copy(file, file.filename().string());
    auto as_tool = discover(dir.path(), Layout::GolangMigrate);
    REQUIRE(as_tool.files.size() == ups);
    auto as_auto = discover(dir.path(), Layout::Auto);
    CHECK(as_auto.layout == Layout::Pgsafe);
    REQUIRE(as_auto.files.size() == ups);
    for (std::size_t i = 0; i < ups; ++i) {
        CHECK(as_auto.files[i].path == as_tool.files[i].path);
        CHECK(as_auto.files[i].checksum == as_tool.files[i].checksum);
    }
}

TEST_CASE("corpus: ory-kratos's popx files read as popx: one PostgreSQL file per version",
          "[source][layout]") {
    if (!corpus_present()) return;
    Arranged dir;
    std::size_t ups = 0;
    std::size_t autocommit = 0;
    for (const auto& file : sorted_entries(k_corpus / "ory-kratos" / "up")) {
        dir.copy(file, file.filename().string());
        ++ups;
        if (file.filename().string().find(".autocommit.") != std::string::npos) ++autocommit;
    }
    for (const auto& file : sorted_entries(k_corpus / "ory-kratos" / "down"))
        dir.copy(file, file.filename().string());
    // Another database's file for a version is not read.
    auto first = sorted_entries(dir.path()).front().filename().string();
    dir.write(first.substr(0, first.find('_')) + "_other.mysql.up.sql", "this is not PostgreSQL;\n");
    CHECK(detect_layout(dir.path()).layout == Layout::Popx);
    auto found = discover(dir.path(), Layout::Auto);
    REQUIRE(found.files.size() == ups);
    std::size_t outside = 0;
    for (const auto& tool : found.transactions) outside += tool.wrapped ? 0 : 1;
    CHECK(outside == autocommit);
}

TEST_CASE("corpus: every chain bench/replay arranges (V<seq>__<name>.sql) reads in pgsafe's layout",
          "[source][layout]") {
    if (!corpus_present()) return;
    Arranged dir;
    std::size_t seq = 0;
    for (const auto& file : sorted_entries(k_corpus / "hatchet" / "up")) {
        // As bench/replay prepares it: the Up section only, keeping StatementBegin/End.
        std::string text = canonical_text(read_file(file));
        auto up = text.find("-- +goose Up");
        auto down = text.find("-- +goose Down");
        text = text.substr(up + 13, down == std::string::npos ? std::string::npos : down - up - 13);
        dir.write("V" + std::to_string(++seq) + "__m.sql", text);
    }
    CHECK(detect_layout(dir.path()).layout == Layout::Pgsafe);
    CHECK(discover(dir.path(), Layout::Auto).files.size() == seq);
}

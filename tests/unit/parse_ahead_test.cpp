// ParseAhead hands each file over parsed, in order, as parse_sql would
// parse it alone: small files parsed ahead, a file over the byte budget
// parsed when its turn comes, a broken one with its error, and a run that
// stops early does not wait for the rest.

#include "runner/parse_ahead.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgsafe;

namespace {

std::vector<std::string> kinds(const sql::ParsedFile& f) {
    std::vector<std::string> out;
    for (const auto& s : f.statements) out.push_back(s.kind);
    return out;
}

}  // namespace

TEST_CASE("ParseAhead gives every file as parse_sql parses it, in order", "[runner][parse-ahead]") {
    std::vector<std::string> texts;
    for (int i = 0; i < 60; ++i)
        texts.push_back("CREATE TABLE t" + std::to_string(i) + " (id int);\nSELECT 1;\n");
    texts[7] = "CREATE TABL broken (id int);\n";
    // Over the budget: parsed by take() when its turn comes, with the files after it still ahead.
    std::string large;
    while (large.size() <= runner::ParseAhead::k_ahead_bytes) large += "INSERT INTO t0 VALUES (1);\n";
    texts[30] = large;
    std::vector<const std::string*> pointers;
    for (const auto& t : texts) pointers.push_back(&t);
    runner::ParseAhead ahead(pointers);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        INFO("file " << i);
        sql::ParsedFile got = ahead.take(i);
        sql::ParsedFile alone = sql::parse_sql(texts[i]);
        CHECK(got.ok() == alone.ok());
        CHECK(got.errors.size() == alone.errors.size());
        CHECK(kinds(got) == kinds(alone));
        CHECK(got.tree != nullptr);  // kept: the planner's rewrites read it
    }
}

TEST_CASE("a run that stops planning early does not wait for the files after", "[runner][parse-ahead]") {
    std::vector<std::string> texts(500, "CREATE TABLE t (id int);\n");
    std::vector<const std::string*> pointers;
    for (const auto& t : texts) pointers.push_back(&t);
    {
        runner::ParseAhead ahead(pointers);
        CHECK(ahead.take(0).statements.size() == 1);
        CHECK(ahead.take(1).statements.size() == 1);
        // destroyed at the brace below, with most files not taken
    }
    runner::ParseAhead single({&texts[0]});  // one file: parsed by take(), no thread
    CHECK(single.take(0).statements.size() == 1);
}

// The pure parts of the runner's issue-12 fixes: which blockers are
// autovacuum workers (and which of them prevent wraparound), literals that
// read the same under either standard_conforming_strings, and the text
// shown on a terminal (no control characters, no UTF-8 character cut).

#include "runner/autovacuum.hpp"
#include "runner/blockers.hpp"
#include "runner/sql_text.hpp"
#include "runner/terminal_text.hpp"

#include <catch2/catch.hpp>

using namespace pgsafe::runner;

TEST_CASE("an autovacuum worker is told apart, and a wraparound one is never cancelled", "[unit][runner]") {
    CHECK(blocker_kind("client backend", "autovacuum: VACUUM public.t") == BlockerKind::Session);
    CHECK(blocker_kind("autovacuum worker", "autovacuum: VACUUM ANALYZE public.t") ==
          BlockerKind::Autovacuum);
    CHECK(blocker_kind("autovacuum worker", "autovacuum: ANALYZE public.t") == BlockerKind::Autovacuum);
    CHECK(blocker_kind("autovacuum worker", "autovacuum: VACUUM public.t (to prevent wraparound)") ==
          BlockerKind::WraparoundAutovacuum);
    // The cancel re-checks on the server that the pid is still an ordinary worker.
    std::string cancel = cancel_autovacuum_sql("4242");
    CHECK(cancel.find("pid = 4242") != std::string::npos);
    CHECK(cancel.find("backend_type = 'autovacuum worker'") != std::string::npos);
    CHECK(cancel.find("NOT LIKE '%(to prevent wraparound)%'") != std::string::npos);
    Blocker b;
    b.pid = "7";
    b.kind = BlockerKind::WraparoundAutovacuum;
    b.query = "autovacuum: VACUUM public.t (to prevent wraparound)";
    CHECK(describe_blockers({b}).find("autovacuum worker, to prevent wraparound") != std::string::npos);
}

TEST_CASE("a literal with a backslash reads the same whatever standard_conforming_strings is",
          "[unit][runner]") {
    CHECK(literal("it's") == "'it''s'");
    CHECK(literal("a\\'b") == "E'a\\\\''b'");
}

TEST_CASE("terminal text: control characters escaped, cuts between UTF-8 characters", "[unit][runner]") {
    CHECK(terminal_safe("red\x1b[31m\x07") == "red\\x1b[31m\\x07");
    CHECK(terminal_safe("a\r\nb\x7f") == "a\\x0d\\x0ab\\x7f");
    CHECK(terminal_safe("caf\xc3\xa9") == "caf\xc3\xa9");     // é kept
    CHECK(terminal_safe("x\xc2\x9by") == "x\\u{009b}y");      // C1 CSI
    CHECK(terminal_safe("x\xe2\x80\xaey") == "x\\u{202e}y");  // right-to-left override
    CHECK(utf8_prefix("caf\xc3\xa9", 4) == "caf");            // not half an é
    CHECK(utf8_prefix("caf\xc3\xa9", 5) == "caf\xc3\xa9");
    CHECK(shortened("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 6) == "\xc3\xa9...");
    CHECK(shortened("short", 100) == "short");
}

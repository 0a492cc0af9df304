// policies/<environment>.toml: every key read into the Policy, and every
// mistake (unknown key, wrong type, impossible value, unknown time zone,
// empty window) an error with file:line:col, because a policy that does not
// load must stop everything.

#include "pgsafe/config/settings.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/policy/policy.hpp"
#include "pgsafe/policy/verdict.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

using namespace pgsafe;
using policy::parse_policy;

namespace {

std::string policy_error(const std::string& text) {
    try {
        parse_policy(text, "policies/production.toml", "production");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return {};
}

std::string read(const std::string& path) {
    std::ifstream in(std::string(PGSAFE_SOURCE_DIR) + "/" + path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

TEST_CASE("a policy file reads every key", "[policy]") {
    auto p = parse_policy(R"([access]
run = ["deployer"]
approve = ["dba"]
break_glass = ["oncall"]
allow_superuser = true

[approval]
required_for = ["high", "critical"]
approvers = 2
four_eyes = false
valid_for = "24h"

[[window]]
name = "nightly"
days = ["mon", "tue", "sun"]
start = "22:00"
end = "06:00"
timezone = "Europe/Amsterdam"
applies_to = ["high"]

[[freeze]]
from = 2026-12-20
to = 2027-01-04
reason = "holidays"

[deny]
risk = ["critical"]
rules = ["ban-drop-table"]
)",
                          "policies/production.toml", "production");
    CHECK(p.access.run == std::vector<std::string>{"deployer"});
    CHECK(p.access.approve == std::vector<std::string>{"dba"});
    CHECK(p.access.break_glass == std::vector<std::string>{"oncall"});
    CHECK(p.access.allow_superuser);
    CHECK(p.approval.required_for == policy::RiskSet{plan::Risk::High, plan::Risk::Critical});
    CHECK(p.approval.approvers == 2);
    CHECK_FALSE(p.approval.four_eyes);
    CHECK(p.approval.valid_for == std::chrono::hours(24));
    REQUIRE(p.windows.size() == 1);
    CHECK(p.windows[0].days == std::set<unsigned>{0, 1, 2});
    CHECK(p.windows[0].start_minute == 22 * 60);
    CHECK(p.windows[0].end_minute == 6 * 60);
    CHECK(p.windows[0].zone != nullptr);
    REQUIRE(p.freezes.size() == 1);
    CHECK(policy::iso_utc(p.freezes[0].from) == "2026-12-20T00:00:00Z");
    CHECK(policy::iso_utc(p.freezes[0].to) == "2027-01-05T00:00:00Z");  // through the whole last day
    CHECK(p.deny.risk == policy::RiskSet{plan::Risk::Critical});
    CHECK(p.deny.rules == std::set<std::string>{"ban-drop-table"});
}

TEST_CASE("an empty policy has the documented defaults", "[policy]") {
    auto p = parse_policy("", "policies/dev.toml", "dev");
    CHECK(p.access.run.empty());
    CHECK_FALSE(p.access.allow_superuser);
    CHECK(p.approval.required_for.empty());
    CHECK(p.approval.approvers == 1);
    CHECK(p.approval.four_eyes);
    CHECK(p.approval.valid_for == std::chrono::hours(72));
    CHECK(p.windows.empty());
}

TEST_CASE("policy mistakes are errors with file:line:col", "[policy]") {
    CHECK(policy_error("[acess]\nrun = []\n") ==
          "policies/production.toml:1:2: unknown key \"acess\" (did you mean \"access\"?)");
    CHECK(policy_error("[access]\nrun = \"deployer\"\n") ==
          "policies/production.toml:2:7: \"run\" in [access] must be an array of strings, not a string");
    CHECK(policy_error("[approval]\nrequired_for = [\"huge\"]\n") ==
          "policies/production.toml:2:17: \"required_for\" in [approval] must hold risk levels \"low\", "
          "\"medium\", \"high\" or \"critical\", not \"huge\"");
    CHECK(policy_error("[access]\napprove = [\"dba\"]\n[approval]\nvalid_for = \"3 weeks\"\n") ==
          "policies/production.toml:4:13: \"valid_for\" in [approval] must be a duration such as \"15m\", "
          "\"72h\" or \"7d\", not \"3 weeks\"");
    CHECK(
        policy_error("[approval]\nrequired_for = [\"high\"]\n") ==
        "policies/production.toml:1:1: [approval] required_for needs roles that may approve: set \"approve\" "
        "in [access]");
    const char* window =
        "[[window]]\nname = \"nightly\"\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"{}\"\n"
        "timezone = \"{}\"\n";
    auto w = [&](const char* end, const char* zone) {
        std::string text = window;
        text.replace(text.find("{}"), 2, end);
        text.replace(text.find("{}"), 2, zone);
        return text;
    };
    CHECK(policy_error(w("06:00", "Europe/Amsterdm")) ==
          "policies/production.toml:6:12: \"timezone\" in [window] must be an IANA time zone such as "
          "\"Europe/Amsterdam\" or \"UTC\", not \"Europe/Amsterdm\"");
    // The machine's own zone would move the window with the machine that runs pgsafe.
    CHECK(policy_error(w("06:00", "localtime")) ==
          "policies/production.toml:6:12: \"timezone\" in [window] must name an IANA time zone such as "
          "\"Europe/Amsterdam\" or \"UTC\", not \"localtime\": the machine's local zone differs between the "
          "machines that run pgsafe");
    CHECK(policy_error(w("06:00", "/etc/localtime")).find("must name an IANA time zone") !=
          std::string::npos);
    CHECK(policy_error(w("22:00", "UTC"))
              .rfind("policies/production.toml:5:7: window \"nightly\" ends when it "
                     "starts (22:00)",
                     0) == 0);
    CHECK(
        policy_error(w("25:00", "UTC")) ==
        "policies/production.toml:5:7: \"end\" in [window] must be a time HH:MM between 00:00 and 24:00, not "
        "\"25:00\"");
    CHECK(
        policy_error("[[window]]\nname = \"w\"\ndays = [\"monday\"]\nstart = \"01:00\"\nend = \"02:00\"\n"
                     "timezone = \"UTC\"\n") ==
        "policies/production.toml:3:9: \"days\" in [[window]] must hold mon, tue, wed, thu, fri, sat or sun, "
        "not \"monday\"");
    CHECK(policy_error("[[freeze]]\nfrom = 2026-12-20\nto = 2026-12-01\nreason = \"x\"\n") ==
          "policies/production.toml:3:6: freeze ends (2026-12-01) before it starts (2026-12-20)");
    CHECK(policy_error("[[freeze]]\nfrom = 2026-12-20T10:00:00\nto = 2026-12-21\nreason = \"x\"\n") ==
          "policies/production.toml:2:8: \"from\" in [freeze] needs a UTC offset "
          "(\"2026-12-20T18:00:00+01:00\" "
          "or \"…Z\")");
    CHECK(
        policy_error("[deny]\nrules = [\"ban-drop-tabel\"]\n").rfind("policies/production.toml:2:10: ", 0) ==
        0);
    CHECK(policy_error("[timeouts]\nlock_timeout_ms = 0\n") ==
          "policies/production.toml:2:19: \"lock_timeout_ms\" in [timeouts] must be at least 1, not 0");
    CHECK(policy_error("[rules]\nexclude = [\"ban-drop-table\"]\n")
              .rfind("policies/production.toml:2:1: unknown key \"exclude\" in [rules]", 0) == 0);
    CHECK(policy_error("[access\n").rfind("policies/production.toml:1:", 0) == 0);
}

TEST_CASE("a policy's settings apply over pgsafe.toml's", "[policy]") {
    auto p = parse_policy(
        "[timeouts]\nlock_timeout_ms = 50\n[run]\nbatch_pause_ms = 500\n"
        "[rules.severity]\nprefer-jsonb = \"error\"\n",
        "policies/production.toml", "production");
    config::Settings s;
    s.origin = "pgsafe.toml";
    s.timeouts.statement_timeout_ms = 3000;
    policy::apply_policy_settings(p, s);
    CHECK(s.timeouts.lock_timeout_ms == 50);
    CHECK(s.timeouts.statement_timeout_ms == 3000);
    CHECK(s.run.batch_pause == std::chrono::milliseconds(500));
    CHECK(s.rules.severity.at("prefer-jsonb") == rules::Severity::Error);
    CHECK(s.origin == "pgsafe.toml");
}

TEST_CASE("durations read as policies write them and read as people say them", "[policy]") {
    using std::chrono::milliseconds;
    CHECK(policy::parse_duration("100ms") == milliseconds(100));
    CHECK(policy::parse_duration("15m") == milliseconds(15 * 60000));
    CHECK(policy::parse_duration("72h") == milliseconds(72LL * 3600000));
    CHECK(policy::parse_duration("7d") == milliseconds(7LL * 86400000));
    CHECK(policy::parse_duration("30s") == milliseconds(30000));
    CHECK_FALSE(policy::parse_duration("h"));
    CHECK_FALSE(policy::parse_duration("-5m"));
    CHECK_FALSE(policy::parse_duration("5 weeks"));
    CHECK(policy::describe_duration(std::chrono::minutes(312)) == "5 h 12 min");
    CHECK(policy::describe_duration(std::chrono::seconds(40)) == "40 s");
    CHECK(policy::describe_duration(std::chrono::hours(74)) == "3 d 2 h");
}

TEST_CASE("the example policies load", "[policy]") {
    for (const char* env : {"development", "staging", "production"}) {
        std::string path = std::string("policies/") + env + ".toml";
        INFO(path);
        auto p = parse_policy(read(path), path, env);
        CHECK(p.environment == env);
    }
}

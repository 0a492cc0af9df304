// The verdict engine with the clock, identity and approvals passed in:
// windows across midnight and the DST changes of Europe/Amsterdam and
// America/New_York, estimates that do not fit, freezes at their edges,
// approvals (distinct, four-eyes, expiry, checksum, revoked, membership),
// who may run, superusers, forgeable approvals, deny and break-glass.

#include "pgsafe/policy/policy.hpp"
#include "pgsafe/policy/verdict.hpp"

#include <catch2/catch.hpp>

#include <date/date.h>

#include <algorithm>
#include <string>

using namespace pgsafe;
using namespace pgsafe::policy;
using plan::Risk;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

TimePoint utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    auto day = date::sys_days{date::year{y} / m / d};
    return TimePoint{day.time_since_epoch()} + hours(h) + minutes(min);
}

Policy load(const std::string& text) {
    return parse_policy(text, "policies/production.toml", "production");
}

std::string window(const char* days, const char* start, const char* end, const char* zone) {
    return std::string("[[window]]\nname = \"nightly\"\ndays = ") + days + "\nstart = \"" + start +
           "\"\nend = \"" + end + "\"\ntimezone = \"" + zone + "\"\n";
}

MigrationFacts migration(Risk risk, std::optional<Seconds> estimate = std::nullopt) {
    return {"20261201_fk", "abc", risk, estimate, {}};
}

Request at(TimePoint now) {
    Request r;
    r.now = now;
    r.identity.user = "deployer";
    r.identity.member_of = {"deployer"};
    return r;
}

std::vector<std::string> codes(const Verdict& v) {
    std::vector<std::string> out;
    for (const auto& r : v.reasons) out.push_back(r.code);
    return out;
}

std::string message(const Verdict& v, const std::string& code) {
    for (const auto& r : v.reasons)
        if (r.code == code) return r.message;
    return "";
}

ApprovalRecord approval(const std::string& approver, TimePoint created, const std::string& checksum = "abc") {
    ApprovalRecord a;
    a.version = "20261201_fk";
    a.checksum = checksum;
    a.approver = approver;
    a.created_at = created;
    a.approver_may_approve = true;
    return a;
}

}  // namespace

TEST_CASE("a window across midnight is open after midnight on the day after a listed day", "[policy]") {
    // Saturday 22:00 to Sunday 06:00 Amsterdam, in winter (UTC+1).
    auto p = load(window("[\"sat\"]", "22:00", "06:00", "Europe/Amsterdam"));
    auto m = migration(Risk::High);
    CHECK(decide(p, m, at(utc(2026, 1, 3, 20, 59))).reasons.size() == 1);  // Sat 21:59
    CHECK(decide(p, m, at(utc(2026, 1, 3, 21, 0))).allowed);               // Sat 22:00
    CHECK(decide(p, m, at(utc(2026, 1, 3, 23, 30))).allowed);              // Sun 00:30
    CHECK(decide(p, m, at(utc(2026, 1, 4, 4, 59))).allowed);               // Sun 05:59
    auto closed = decide(p, m, at(utc(2026, 1, 4, 5, 0)));                 // Sun 06:00
    CHECK(codes(closed) == std::vector<std::string>{"outside-window"});
    CHECK(message(closed, "outside-window") ==
          "high risk may only start inside a maintenance window; window \"nightly\" opens in 6 d 16 h at Sat "
          "2026-01-10 22:00 Europe/Amsterdam");
    REQUIRE(closed.window);
    CHECK(iso_utc(closed.window->opens_at) == "2026-01-10T21:00:00Z");
    CHECK(iso_utc(closed.window->closes_at) == "2026-01-11T05:00:00Z");
    REQUIRE(closed.allowed_at);
    CHECK(iso_utc(*closed.allowed_at) == "2026-01-10T21:00:00Z");
}

TEST_CASE("the message says when the window opens, in its own time zone", "[policy]") {
    auto p = load(window("[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]", "22:00", "06:00",
                         "Europe/Amsterdam"));
    auto v = decide(p, migration(Risk::High), at(utc(2026, 1, 5, 15, 48)));  // 16:48 Amsterdam
    CHECK(message(v, "outside-window") ==
          "high risk may only start inside a maintenance window; window \"nightly\" opens in 5 h 12 min at "
          "22:00 "
          "Europe/Amsterdam");
    CHECK(v.reasons[0].unlock == "wait for the window (pgsafe migrate --wait-for-window DURATION)");
}

TEST_CASE("windows apply only to the risk levels they list", "[policy]") {
    auto p = load(window("[\"sat\"]", "22:00", "06:00", "UTC") + "applies_to = [\"high\", \"critical\"]\n");
    CHECK(decide(p, migration(Risk::Medium), at(utc(2026, 1, 5, 12))).allowed);
    CHECK_FALSE(decide(p, migration(Risk::High), at(utc(2026, 1, 5, 12))).allowed);
}

TEST_CASE("spring forward in Europe/Amsterdam: the night is an hour shorter", "[policy]") {
    // Sat 28 March 2026 22:00 CET (21:00 UTC) to Sun 29 March 06:00 CEST (04:00 UTC): 7 hours.
    auto p = load(window("[\"sat\", \"sun\"]", "22:00", "06:00", "Europe/Amsterdam"));
    TimePoint opens = utc(2026, 3, 28, 21);
    CHECK(decide(p, migration(Risk::High, hours(7)), at(opens)).allowed);
    auto v = decide(p, migration(Risk::High, hours(7) + minutes(30)), at(opens));
    CHECK(codes(v) == std::vector<std::string>{"outside-window"});
    // The next night (Sun 22:00 CEST = 20:00 UTC to Mon 06:00 CEST) is 8 hours: it fits there.
    REQUIRE(v.window);
    CHECK(iso_utc(v.window->opens_at) == "2026-03-29T20:00:00Z");
    CHECK(iso_utc(v.window->closes_at) == "2026-03-30T04:00:00Z");
    // 05:30 CEST is 03:30 UTC: 30 minutes left.
    CHECK(decide(p, migration(Risk::High, minutes(20)), at(utc(2026, 3, 29, 3, 30))).allowed);
    auto late = decide(p, migration(Risk::High, minutes(40)), at(utc(2026, 3, 29, 3, 30)));
    CHECK(message(late, "outside-window") ==
          "the estimated 40 min does not fit the 30 min left of window \"nightly\" (closes at 06:00 "
          "Europe/Amsterdam); window \"nightly\" opens in 16 h 30 min at 22:00 Europe/Amsterdam");
}

TEST_CASE("fall back in Europe/Amsterdam: the night is an hour longer", "[policy]") {
    // Sat 24 October 2026 22:00 CEST (20:00 UTC) to Sun 25 October 06:00 CET (05:00 UTC): 9 hours.
    auto p = load(window("[\"sat\"]", "22:00", "06:00", "Europe/Amsterdam"));
    CHECK(decide(p, migration(Risk::High, hours(9)), at(utc(2026, 10, 24, 20))).allowed);
    CHECK_FALSE(decide(p, migration(Risk::High, hours(9) + minutes(1)), at(utc(2026, 10, 24, 20))).allowed);
    CHECK(decide(p, migration(Risk::High), at(utc(2026, 10, 25, 4, 59))).allowed);
    CHECK_FALSE(decide(p, migration(Risk::High), at(utc(2026, 10, 25, 5, 0))).allowed);
}

TEST_CASE("America/New_York: the window shrinks in spring and grows in autumn", "[policy]") {
    auto p = load(window("[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]", "01:00", "04:00",
                         "America/New_York"));
    // Sun 8 March 2026: 01:00 EST (06:00 UTC) to 04:00 EDT (08:00 UTC), 2 hours.
    auto spring = decide(p, migration(Risk::High, minutes(105)), at(utc(2026, 3, 8, 6, 30)));
    CHECK(codes(spring) == std::vector<std::string>{"outside-window"});
    REQUIRE(spring.window);
    CHECK(iso_utc(spring.window->opens_at) == "2026-03-09T05:00:00Z");
    CHECK(decide(p, migration(Risk::High, minutes(90)), at(utc(2026, 3, 8, 6, 30))).allowed);
    // Sun 1 November 2026: 01:00 EDT (05:00 UTC) to 04:00 EST (09:00 UTC), 4 hours.
    CHECK(decide(p, migration(Risk::High, minutes(195)), at(utc(2026, 11, 1, 5, 30))).allowed);
    CHECK_FALSE(decide(p, migration(Risk::High, minutes(195)), at(utc(2026, 11, 2, 6, 30))).allowed);
}

TEST_CASE("an estimate longer than every window can never start", "[policy]") {
    auto p = load(window("[\"sat\"]", "22:00", "23:00", "UTC"));
    auto v = decide(p, migration(Risk::High, hours(2)), at(utc(2026, 1, 3, 22)));
    CHECK(message(v, "outside-window") ==
          "the estimated 2 h does not fit the 1 h left of window \"nightly\" (closes at 23:00 UTC); no "
          "window in "
          "the next two weeks is long enough for the estimated 2 h");
    CHECK_FALSE(v.allowed_at);
}

TEST_CASE("freezes hold from their first second to the end of their last day", "[policy]") {
    auto p = load(
        "[[freeze]]\nfrom = 2026-12-20T00:00:00Z\nto = 2027-01-04\nreason = \"holidays\"\n"
        "applies_to = [\"medium\", \"high\"]\n");
    auto m = migration(Risk::High);
    CHECK(decide(p, m, at(utc(2026, 12, 19, 23, 59))).allowed);
    auto frozen = decide(p, m, at(utc(2026, 12, 20, 0)));
    CHECK(codes(frozen) == std::vector<std::string>{"frozen"});
    CHECK(message(frozen, "frozen") ==
          "production is frozen from 2026-12-20T00:00:00Z until 2027-01-04 (2027-01-05T00:00:00Z): holidays");
    REQUIRE(frozen.allowed_at);
    CHECK(iso_utc(*frozen.allowed_at) == "2027-01-05T00:00:00Z");
    CHECK_FALSE(decide(p, m, at(utc(2027, 1, 4, 23, 59))).allowed);
    CHECK(decide(p, m, at(utc(2027, 1, 5, 0))).allowed);
    CHECK(decide(p, migration(Risk::Low), at(utc(2026, 12, 24, 12))).allowed);
}

TEST_CASE("a freeze and a window together: allowed at the first window after the freeze", "[policy]") {
    auto p = load(window("[\"sat\"]", "22:00", "23:00", "UTC") +
                  "[[freeze]]\nfrom = 2026-01-01\nto = 2026-01-03\nreason = \"new year\"\n");
    auto v = decide(p, migration(Risk::High), at(utc(2026, 1, 2, 12)));  // Friday, frozen
    CHECK(codes(v) == std::vector<std::string>{"frozen", "outside-window"});
    REQUIRE(v.allowed_at);
    CHECK(iso_utc(*v.allowed_at) == "2026-01-10T22:00:00Z");  // Sat 3 Jan is still frozen
}

const char* k_approvals =
    "[access]\nrun = [\"deployer\"]\napprove = [\"dba\"]\nbreak_glass = [\"oncall\"]\n"
    "[approval]\nrequired_for = [\"high\"]\napprovers = 2\nvalid_for = \"72h\"\n";

TEST_CASE("approvals: N distinct approvers", "[policy]") {
    auto p = load(k_approvals);
    TimePoint now = utc(2026, 12, 1, 12);
    auto r = at(now);
    r.approvals = {approval("alice", now - hours(1)), approval("alice", now - hours(2))};
    auto v = decide(p, migration(Risk::High), r);
    CHECK(v.approvals_have == 1);
    CHECK(v.approvals_need == 2);
    CHECK(codes(v) == std::vector<std::string>{"needs-approval"});
    CHECK(message(v, "needs-approval") ==
          "high risk needs 2 approvals from role dba, not deployer in production; it has 1");
    CHECK(v.reasons[0].unlock == "pgsafe approve 20261201_fk --env production");
    r.approvals.push_back(approval("bob", now - hours(3)));
    CHECK(decide(p, migration(Risk::High), r).allowed);
    CHECK(decide(p, migration(Risk::Medium), at(now)).allowed);
}

TEST_CASE("approvals that do not count: four-eyes, expired, edited, revoked, no longer a member",
          "[policy]") {
    auto p = load(k_approvals);
    TimePoint now = utc(2026, 12, 1, 12);
    auto m = migration(Risk::High);
    auto good = approval("alice", now - hours(1));
    CHECK(approval_standing(p, good, m, "deployer", now).counts);
    auto own = approval("deployer", now - hours(1));
    CHECK(approval_standing(p, own, m, "deployer", now).why_not ==
          "four-eyes: deployer runs the migration and cannot approve it");
    auto old = approval("alice", now - hours(72));
    CHECK(approval_standing(p, old, m, "deployer", now).why_not == "expired");
    auto short_lived = good;
    short_lived.expires_at = now;
    CHECK(approval_standing(p, short_lived, m, "deployer", now).why_not == "expired");
    auto edited = approval("alice", now - hours(1), "def");
    CHECK(approval_standing(p, edited, m, "deployer", now).why_not ==
          "checksum changed: the file was edited after the approval");
    auto revoked = good;
    revoked.revoked_at = now - minutes(5);
    CHECK(approval_standing(p, revoked, m, "deployer", now).why_not == "revoked");
    auto left = good;
    left.approver_may_approve = false;
    CHECK(approval_standing(p, left, m, "deployer", now).why_not ==
          "alice is not a member of dba ([access] approve)");
    auto r = at(now);
    r.approvals = {own, old, short_lived, edited, revoked, left, approval("bob", now - hours(1))};
    CHECK(decide(p, m, r).approvals_have == 1);

    auto no_four_eyes = load(std::string(k_approvals) + "four_eyes = false\n");
    CHECK(approval_standing(no_four_eyes, own, m, "deployer", now).counts);
}

TEST_CASE("who may run: run roles, superusers, forgeable approvals", "[policy]") {
    auto p = load(k_approvals);
    TimePoint now = utc(2026, 12, 1, 12);
    auto r = at(now);
    r.identity.user = "dev";
    r.identity.member_of = {};
    auto v = decide(p, migration(Risk::Low), r);
    CHECK(codes(v) == std::vector<std::string>{"not-allowed-to-run"});
    CHECK(message(v, "not-allowed-to-run") ==
          "role \"dev\" may not run migrations in production ([access] run = deployer)");

    r = at(now);
    r.identity.superuser = true;
    CHECK(codes(decide(p, migration(Risk::Low), r)) == std::vector<std::string>{"superuser"});
}

TEST_CASE("a superuser runs where the policy allows it or requires no approvals", "[policy]") {
    auto r = at(utc(2026, 12, 1, 12));
    r.identity.superuser = true;
    auto allowed = load(
        "[access]\napprove = [\"dba\"]\nallow_superuser = true\n[approval]\nrequired_for = "
        "[\"high\"]\n");
    CHECK(decide(allowed, migration(Risk::Low), r).allowed);
    CHECK(decide(load(""), migration(Risk::High), r).allowed);
}

TEST_CASE("a runner that can write approvals is refused where approvals are required", "[policy]") {
    auto p = load(k_approvals);
    auto r = at(utc(2026, 12, 1, 12));
    r.identity.can_write_approvals = true;
    r.approvals = {approval("alice", r.now - hours(1)), approval("bob", r.now - hours(1))};
    auto v = decide(p, migration(Risk::High), r);
    CHECK(codes(v) == std::vector<std::string>{"approvals-forgeable"});
    CHECK(decide(p, migration(Risk::Low), r).allowed);
}

TEST_CASE("deny refuses whatever approvals and break-glass say", "[policy]") {
    auto p = load(std::string(k_approvals) + "[deny]\nrisk = [\"critical\"]\nrules = [\"ban-drop-table\"]\n");
    auto r = at(utc(2026, 12, 1, 12));
    r.identity.member_of.insert("oncall");
    r.break_glass = "outage";
    auto v = decide(p, migration(Risk::Critical), r);
    CHECK(codes(v) == std::vector<std::string>{"denied"});
    CHECK(message(v, "denied") ==
          "critical risk is denied in production ([deny] risk in policies/production.toml)");
    CHECK(v.reasons[0].unlock.empty());
    auto m = migration(Risk::Low);
    m.rules = {"ban-drop-table"};
    CHECK(codes(decide(p, m, r)) == std::vector<std::string>{"denied"});
}

TEST_CASE("break-glass overrides windows, freezes and missing approvals for its members only", "[policy]") {
    auto p = load(std::string(k_approvals) + window("[\"sat\"]", "22:00", "23:00", "UTC") +
                  "[[freeze]]\nfrom = 2026-11-01\nto = 2026-12-31\nreason = \"peak\"\n");
    auto r = at(utc(2026, 12, 1, 12));
    CHECK(codes(decide(p, migration(Risk::High), r)) ==
          std::vector<std::string>{"needs-approval", "frozen", "outside-window"});
    r.break_glass = "outage";
    auto refused = decide(p, migration(Risk::High), r);
    CHECK(codes(refused) ==
          std::vector<std::string>{"needs-approval", "frozen", "outside-window", "not-allowed-to-run"});
    CHECK(message(refused, "not-allowed-to-run") ==
          "--break-glass is for members of oncall; role \"deployer\" is not one");
    r.identity.member_of.insert("oncall");
    auto v = decide(p, migration(Risk::High), r);
    CHECK(v.allowed);
    CHECK(v.break_glass);
    CHECK(v.overridden == std::vector<std::string>{"needs-approval", "frozen", "outside-window"});
}

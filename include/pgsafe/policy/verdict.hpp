#pragma once
// The verdict: may this migration run now, in this environment, by this
// role? Pure: the clock, the identity the database vouched for, the
// approvals on record and the migration's risk, estimate and rules are
// passed in (docs/policies.md "Verdict"). Every reason is reported, not
// just the first, each with what would unlock it.

#include "pgsafe/policy/policy.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgsafe::policy {

// Reason codes (stable: JSON, events, docs).
inline constexpr const char* k_outside_window = "outside-window";
inline constexpr const char* k_needs_approval = "needs-approval";
inline constexpr const char* k_frozen = "frozen";
inline constexpr const char* k_denied = "denied";
inline constexpr const char* k_not_allowed_to_run = "not-allowed-to-run";
inline constexpr const char* k_superuser = "superuser";
// Approvals are required but the running role could write pgsafe.approvals itself.
inline constexpr const char* k_approvals_forgeable = "approvals-forgeable";

// Who runs, as the database says (session_user, pg_roles, pg_has_role, has_table_privilege).
struct Identity {
    std::string user;
    bool superuser = false;
    std::set<std::string> member_of;   // the roles the policy names that `user` is a member of
    bool can_write_approvals = false;  // INSERT, UPDATE or DELETE on pgsafe.approvals
};

// One row of pgsafe.approvals, with what the database says about its approver now.
struct ApprovalRecord {
    long long id = 0;
    std::string version;
    std::string checksum;
    std::string approver;
    TimePoint created_at;
    std::optional<TimePoint> expires_at;
    std::optional<TimePoint> revoked_at;
    bool approver_may_approve = false;  // a member of a role in [access] approve, now
};

// The migration as plan computed it.
struct MigrationFacts {
    std::string version;
    std::string checksum;
    plan::Risk risk = plan::Risk::Low;
    std::optional<Seconds> estimate;  // nullopt: unknown (table sizes unknown)
    std::set<std::string> rules;      // rule names of its findings
};

struct Request {
    TimePoint now;
    Identity identity;
    std::vector<ApprovalRecord> approvals;   // any versions; only this migration's count
    std::optional<std::string> break_glass;  // --break-glass "reason"
};

struct Reason {
    std::string code;
    std::string message;  // what is wrong
    std::string unlock;   // what would let it run; "" when nothing can
};

struct WindowInfo {
    std::string name;
    std::string timezone;
    TimePoint opens_at;
    TimePoint closes_at;
    bool open_now = false;
};

struct Verdict {
    bool allowed = true;
    std::vector<Reason> reasons;
    int approvals_have = 0;
    int approvals_need = 0;  // 0: none required
    // The window that governs this migration: the open one it fits in, else
    // the next one it would fit in; nullopt when no window applies.
    std::optional<WindowInfo> window;
    // When windows and freezes would next let it start (nullopt: now, or never).
    std::optional<TimePoint> allowed_at;
    bool break_glass = false;             // used, by a member of [access] break_glass
    std::vector<std::string> overridden;  // the codes break-glass overrode
};

Verdict decide(const Policy& policy, const MigrationFacts& migration, const Request& request);

// Whether one approval counts for this migration now, and why not.
struct ApprovalStanding {
    bool counts = false;
    std::string why_not;  // "revoked", "expired", "checksum changed: the file was edited since", …
};
ApprovalStanding approval_standing(const Policy& policy, const ApprovalRecord& approval,
                                   const MigrationFacts& migration, const std::string& runner, TimePoint now);
// When an approval stops counting by time: its own expiry, or the policy's
// [approval] valid_for after it was given, whichever comes first.
TimePoint approval_valid_until(const Policy& policy, const ApprovalRecord& approval);

// The windows that apply to this risk level (empty: no window constraint).
std::vector<const Window*> windows_for(const Policy& policy, plan::Risk risk);

// One opening of a window: [opens_at, closes_at).
struct Opening {
    const Window* window = nullptr;
    TimePoint opens_at;
    TimePoint closes_at;
};
// The opening of `window` that contains `at`, if any, else nullopt.
std::optional<Opening> opening_at(const Window& window, TimePoint at);
// The first opening of `window` starting after `at` (within 15 days) that is
// at least `length` long; nullopt when none is.
std::optional<Opening> next_opening(const Window& window, TimePoint at, Seconds length);

// "22:00 Europe/Amsterdam" (local time in the window's zone), "Tue 22:00 …" when not today.
std::string local_time_text(const date::time_zone* zone, const std::string& zone_name, TimePoint at,
                            TimePoint now);
// "2026-12-01T21:00:00Z"
std::string iso_utc(TimePoint at);

}  // namespace pgsafe::policy

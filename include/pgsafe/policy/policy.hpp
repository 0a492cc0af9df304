#pragma once
// A policy: what policies/<environment>.toml says about when a migration may
// run, who may run and approve it, and what is denied outright (issue 14,
// docs/policies.md "Keys"). Pure values and a loader that takes the file's
// text: a policy that does not load is an error, never "no policy".

#include "pgsafe/config/settings.hpp"
#include "pgsafe/plan/plan.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;
}

namespace pgsafe::policy {

using Seconds = std::chrono::seconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Seconds>;

using RiskSet = std::set<plan::Risk>;

struct Access {
    std::vector<std::string> run;          // roles that may run migrate; empty: anyone who can connect
    std::vector<std::string> approve;      // roles whose approvals count
    std::vector<std::string> break_glass;  // roles that may override windows, freezes and approvals
    bool allow_superuser = false;          // where approvals are required, run as a superuser anyway
};

struct Approval {
    RiskSet required_for;   // empty: no approvals needed
    int approvers = 1;      // distinct approvers
    bool four_eyes = true;  // the running role's own approval does not count
    Seconds valid_for{72 * 3600};
};

struct Window {
    std::string name;
    std::set<unsigned> days;  // 0 = Sunday … 6 = Saturday (date::weekday encoding)
    int start_minute = 0;     // minutes after local midnight
    int end_minute = 0;       // end < start: the window crosses midnight
    std::string timezone;     // IANA name, as written
    const date::time_zone* zone = nullptr;
    RiskSet applies_to;  // empty: every risk level
};

struct Freeze {
    TimePoint from;
    TimePoint to;  // exclusive
    std::string from_text;
    std::string to_text;
    std::string reason;
    RiskSet applies_to;  // empty: every risk level
};

struct Deny {
    RiskSet risk;
    std::set<std::string> rules;  // rule names
};

struct Policy {
    std::string environment;
    std::string origin;  // "policies/production.toml" as messages show it
    std::string text;    // the file's bytes, as read (stored by init, compared by migrate)
    Access access;
    Approval approval;
    std::vector<Window> windows;
    std::vector<Freeze> freezes;
    Deny deny;
};

// Parses a policy file. Throws pgsafe::Error (Usage) "origin:line:col: what"
// for bad TOML, unknown keys, wrong types and impossible values (an unknown
// time zone, a window whose end equals its start, a freeze that ends before
// it starts, an unknown risk level or rule).
Policy parse_policy(std::string_view text, const std::string& origin, const std::string& environment);

// The [thresholds] [rules] [timeouts] [retry] [run] a policy sets, applied
// over `settings` (config::resolve's last layer). Throws like parse_policy.
void apply_policy_settings(const Policy& policy, config::Settings& settings);

// "100ms", "15m", "72h", "7d", "30s": nullopt when the text is not a duration.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// "5 h 12 min", "40 s", "3 d 2 h": for messages.
std::string describe_duration(Seconds duration);

// "low" … "critical"; nullopt for anything else.
std::optional<plan::Risk> risk_from_name(std::string_view name);

// Every role name the policy mentions, for the membership look-up, with the key naming it.
struct RoleMention {
    std::string role;
    std::string key;  // "run in [access]"
};
std::vector<RoleMention> roles_named(const Policy& policy);

}  // namespace pgsafe::policy

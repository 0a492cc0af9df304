// The verdict engine: every reason a migration may not run now (deny,
// who runs, superuser, forgeable or missing approvals, freezes, windows),
// each with what would unlock it, then break-glass, which overrides
// windows, freezes and missing approvals for its members and never [deny].

#include "pgsafe/policy/verdict.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::policy {
namespace {

std::string join_roles(const std::vector<std::string>& roles) {
    std::string out;
    for (const auto& role : roles) out += (out.empty() ? "" : ", ") + role;
    return out;
}

bool member_of_any(const Identity& identity, const std::vector<std::string>& roles) {
    return std::any_of(roles.begin(), roles.end(),
                       [&](const std::string& role) { return identity.member_of.count(role) > 0; });
}

bool applies(const RiskSet& applies_to, plan::Risk risk) {
    return applies_to.empty() || applies_to.count(risk) > 0;
}

std::string plural(int n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The opening of an applying window that `now` is in and the estimate fits in.
std::optional<Opening> fitting_now(const std::vector<const Window*>& windows, TimePoint now,
                                   const std::optional<Seconds>& estimate) {
    for (const Window* w : windows) {
        auto o = opening_at(*w, now);
        if (o && (!estimate || now + *estimate <= o->closes_at)) return o;
    }
    return std::nullopt;
}

// The earliest later opening of an applying window long enough for the estimate.
std::optional<Opening> fitting_next(const std::vector<const Window*>& windows, TimePoint now,
                                    const std::optional<Seconds>& estimate) {
    std::optional<Opening> best;
    for (const Window* w : windows) {
        auto o = next_opening(*w, now, estimate.value_or(Seconds(0)));
        if (o && (!best || o->opens_at < best->opens_at)) best = o;
    }
    return best;
}

std::optional<TimePoint> earliest_allowed(const Policy& policy, plan::Risk risk,
                                          const std::optional<Seconds>& estimate, TimePoint now) {
    auto windows = windows_for(policy, risk);
    TimePoint t = now;
    for (int round = 0; round < 64; ++round) {
        bool moved = false;
        for (const Freeze& f : policy.freezes) {
            if (applies(f.applies_to, risk) && f.from <= t && t < f.to) {
                t = f.to;
                moved = true;
            }
        }
        if (!windows.empty() && !fitting_now(windows, t, estimate)) {
            auto next = fitting_next(windows, t, estimate);
            if (!next) return std::nullopt;
            t = next->opens_at;
            moved = true;
        }
        if (!moved) return t;
    }
    return std::nullopt;
}

WindowInfo info(const Opening& o, bool open_now) {
    return {o.window->name, o.window->timezone, o.opens_at, o.closes_at, open_now};
}

class Decision {
public:
    Decision(const Policy& p, const MigrationFacts& m, const Request& r) : m_p(p), m_m(m), m_r(r) {}

    Verdict run() {
        deny();
        who_runs();
        approvals();
        freezes();
        windows();
        break_glass();
        m_v.allowed = m_v.reasons.empty();
        return m_v;
    }

private:
    void add(const char* code, std::string message, std::string unlock) {
        m_v.reasons.push_back({code, std::move(message), std::move(unlock)});
    }

    void deny() {
        if (m_p.deny.risk.count(m_m.risk) > 0)
            add(k_denied,
                fmt::format("{} risk is denied in {} ([deny] risk in {})", plan::risk_name(m_m.risk),
                            m_p.environment, m_p.origin),
                "");
        for (const auto& rule : m_m.rules)
            if (m_p.deny.rules.count(rule) > 0)
                add(k_denied,
                    fmt::format("rule \"{}\" is denied in {} ([deny] rules in {})", rule, m_p.environment,
                                m_p.origin),
                    "");
    }

    void who_runs() {
        const Identity& id = m_r.identity;
        if (!m_p.access.run.empty() && !member_of_any(id, m_p.access.run))
            add(k_not_allowed_to_run,
                fmt::format("role \"{}\" may not run migrations in {} ([access] run = {})", id.user,
                            m_p.environment, join_roles(m_p.access.run)),
                fmt::format("run as a member of {}", join_roles(m_p.access.run)));
        if (id.superuser && !m_p.approval.required_for.empty() && !m_p.access.allow_superuser)
            add(k_superuser,
                fmt::format("role \"{}\" is a superuser, who could forge approvals and the stored policy; {} "
                            "requires approvals",
                            id.user, m_p.environment),
                "run as the deploy role, not a superuser (or set allow_superuser = true in [access])");
    }

    void approvals() {
        if (m_p.approval.required_for.count(m_m.risk) == 0) return;
        m_v.approvals_need = m_p.approval.approvers;
        std::set<std::string> approvers;
        for (const auto& a : m_r.approvals)
            if (approval_standing(m_p, a, m_m, m_r.identity.user, m_r.now).counts)
                approvers.insert(a.approver);
        m_v.approvals_have = int(approvers.size());
        const Identity& id = m_r.identity;
        if (id.can_write_approvals)
            add(k_approvals_forgeable,
                fmt::format("role \"{}\" can write pgsafe.approvals itself, so its approvals prove nothing",
                            id.user),
                fmt::format("REVOKE INSERT, UPDATE, DELETE ON pgsafe.approvals FROM \"{}\" (pgsafe init sets "
                            "the grants)",
                            id.user));
        if (m_v.approvals_have >= m_v.approvals_need) return;
        std::string others =
            m_p.approval.four_eyes && !id.user.empty() ? fmt::format(", not {}", id.user) : std::string();
        add(k_needs_approval,
            fmt::format("{} risk needs {} from role {}{} in {}; it has {}", plan::risk_name(m_m.risk),
                        plural(m_v.approvals_need, "approval", "approvals"), join_roles(m_p.access.approve),
                        others, m_p.environment, m_v.approvals_have),
            fmt::format("pgsafe approve {} --env {}", m_m.version, m_p.environment));
    }

    void freezes() {
        for (const Freeze& f : m_p.freezes) {
            if (!applies(f.applies_to, m_m.risk) || m_r.now < f.from || m_r.now >= f.to) continue;
            add(k_frozen,
                fmt::format("{} is frozen from {} until {} ({}): {}", m_p.environment, f.from_text, f.to_text,
                            iso_utc(f.to), f.reason),
                fmt::format("wait until the freeze ends in {}", describe_duration(f.to - m_r.now)));
        }
    }

    void windows() {
        auto ws = windows_for(m_p, m_m.risk);
        if (ws.empty()) return;
        const auto& est = m_m.estimate;
        if (auto now = fitting_now(ws, m_r.now, est)) {
            m_v.window = info(*now, true);
            return;
        }
        std::string why;
        for (const Window* w : ws) {
            auto o = opening_at(*w, m_r.now);
            if (o)
                why = fmt::format("the estimated {} does not fit the {} left of window \"{}\" (closes at {})",
                                  describe_duration(*est), describe_duration(o->closes_at - m_r.now), w->name,
                                  local_time_text(w->zone, w->timezone, o->closes_at, m_r.now));
        }
        if (why.empty())
            why =
                fmt::format("{} risk may only start inside a maintenance window", plan::risk_name(m_m.risk));
        auto next = fitting_next(ws, m_r.now, est);
        if (!next) {
            add(k_outside_window,
                fmt::format("{}; no window in the next two weeks is long enough for the estimated {}", why,
                            describe_duration(est.value_or(Seconds(0)))),
                "lengthen a window in the policy, or split the migration");
            return;
        }
        m_v.window = info(*next, false);
        const Window& w = *next->window;
        add(k_outside_window,
            fmt::format("{}; window \"{}\" opens in {} at {}", why, w.name,
                        describe_duration(next->opens_at - m_r.now),
                        local_time_text(w.zone, w.timezone, next->opens_at, m_r.now)),
            "wait for the window (pgsafe migrate --wait-for-window DURATION)");
    }

    void break_glass() {
        if (!m_r.break_glass) return;
        if (!member_of_any(m_r.identity, m_p.access.break_glass)) {
            std::string who = m_p.access.break_glass.empty()
                                  ? std::string("nobody: [access] break_glass is empty")
                                  : "members of " + join_roles(m_p.access.break_glass);
            add(k_not_allowed_to_run,
                fmt::format("--break-glass is for {}; role \"{}\" is not one", who, m_r.identity.user), "");
            return;
        }
        m_v.break_glass = true;
        auto overridable = [](const Reason& r) {
            return r.code == k_outside_window || r.code == k_frozen || r.code == k_needs_approval;
        };
        for (const auto& r : m_v.reasons)
            if (overridable(r)) m_v.overridden.push_back(r.code);
        m_v.reasons.erase(std::remove_if(m_v.reasons.begin(), m_v.reasons.end(), overridable),
                          m_v.reasons.end());
    }

    const Policy& m_p;
    const MigrationFacts& m_m;
    const Request& m_r;
    Verdict m_v;
};

}  // namespace

TimePoint approval_valid_until(const Policy& policy, const ApprovalRecord& a) {
    TimePoint by_policy = a.created_at + policy.approval.valid_for;
    return a.expires_at ? std::min(*a.expires_at, by_policy) : by_policy;
}

ApprovalStanding approval_standing(const Policy& policy, const ApprovalRecord& a,
                                   const MigrationFacts& migration, const std::string& runner,
                                   TimePoint now) {
    if (a.version != migration.version) return {false, "approves another migration"};
    if (a.revoked_at) return {false, "revoked"};
    if (a.checksum != migration.checksum)
        return {false, "checksum changed: the file was edited after the approval"};
    if (approval_valid_until(policy, a) <= now) return {false, "expired"};
    if (!a.approver_may_approve)
        return {false, fmt::format("{} is not a member of {} ([access] approve)", a.approver,
                                   join_roles(policy.access.approve))};
    if (policy.approval.four_eyes && a.approver == runner)
        return {false, fmt::format("four-eyes: {} runs the migration and cannot approve it", runner)};
    return {true, ""};
}

Verdict decide(const Policy& policy, const MigrationFacts& migration, const Request& request) {
    Verdict v = Decision(policy, migration, request).run();
    bool timing = std::any_of(v.reasons.begin(), v.reasons.end(), [](const Reason& r) {
        return r.code == k_outside_window || r.code == k_frozen;
    });
    if (timing) v.allowed_at = earliest_allowed(policy, migration.risk, migration.estimate, request.now);
    return v;
}

}  // namespace pgsafe::policy

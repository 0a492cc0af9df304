// The policy verdict in plan reports: the text lines and JSON object
// (docs/policies.md "Verdict"), and the estimate of a whole migration.

#include "plan_verdict.hpp"

#include <fmt/format.h>

#include <cmath>

namespace pgsafe::report {

std::optional<double> plan_estimate(const plan::MigrationPlan& plan) {
    double total = 0;
    for (const auto& s : plan.steps) {
        if (!s.estimated_seconds) return std::nullopt;
        total += *s.estimated_seconds;
    }
    return total;
}

std::string estimate_text(const std::optional<double>& seconds) {
    if (!seconds) return "unknown";
    if (*seconds < 1) return "under 1 s";
    return fmt::format("about {}", policy::describe_duration(policy::Seconds(std::llround(*seconds))));
}

std::string verdict_text(const policy::Verdict& v, const std::string& environment) {
    std::string out;
    if (v.allowed) {
        out = fmt::format("  verdict in {}: allowed now", environment);
        if (v.break_glass) out += fmt::format(" (break-glass overrides {})", fmt::join(v.overridden, ", "));
        return out + "\n";
    }
    out = fmt::format("  verdict in {}: refused\n", environment);
    for (const auto& r : v.reasons) {
        out += fmt::format("    {}: {}\n", r.code, r.message);
        if (!r.unlock.empty()) out += fmt::format("      unlock: {}\n", r.unlock);
    }
    if (v.allowed_at)
        out += fmt::format("    allowed from {} at the earliest\n", policy::iso_utc(*v.allowed_at));
    return out;
}

nlohmann::ordered_json verdict_json(const policy::Verdict& v) {
    using Json = nlohmann::ordered_json;
    Json reasons = Json::array();
    for (const auto& r : v.reasons)
        reasons.push_back(Json{{"code", r.code}, {"message", r.message}, {"unlock", r.unlock}});
    Json out;
    out["allowed"] = v.allowed;
    out["reasons"] = reasons;
    out["approvals"] = Json{{"have", v.approvals_have}, {"need", v.approvals_need}};
    out["window"] = v.window ? Json{{"name", v.window->name},
                                    {"opens_at", policy::iso_utc(v.window->opens_at)},
                                    {"closes_at", policy::iso_utc(v.window->closes_at)}}
                             : Json(nullptr);
    out["allowed_at"] = v.allowed_at ? Json(policy::iso_utc(*v.allowed_at)) : Json(nullptr);
    return out;
}

}  // namespace pgsafe::report

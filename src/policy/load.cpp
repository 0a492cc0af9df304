// Reads policies/<environment>.toml into a Policy through the located TOML
// reader pgsafe.toml uses, so every mistake is "file:line:col: what" and a
// policy that does not load stops everything (fail closed). The settings
// sections a policy may also hold are read by config::read_config.

#include "pgsafe/policy/policy.hpp"

#include "pgsafe/config/keys.hpp"
#include "pgsafe/config/resolve.hpp"
#include "pgsafe/config/toml_reader.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/rules/suggest.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace pgsafe::policy {
namespace {

using config::TomlReader;

// The policy's own sections; the settings sections ([thresholds] [rules] [timeouts] [retry] [run])
// are read and checked by config::read_config.
const std::vector<std::string_view> k_policy_sections = {"access", "approval", "window", "freeze", "deny"};
const char* const k_day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

RiskSet read_risks(const TomlReader& r, const toml::table& t, std::string_view key,
                   std::string_view section) {
    RiskSet out;
    for (auto& [name, node] : r.strings(t, key, section)) {
        auto risk = risk_from_name(name);
        if (!risk)
            r.fail(node->source(), fmt::format("{} must hold risk levels \"low\", \"medium\", \"high\" or "
                                               "\"critical\", not \"{}\"",
                                               TomlReader::label(key, section), name));
        out.insert(*risk);
    }
    return out;
}

std::vector<std::string> read_roles(const TomlReader& r, const toml::table& t, std::string_view key) {
    std::vector<std::string> out;
    for (auto& [name, node] : r.strings(t, key, "access")) {
        (void)node;
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    }
    return out;
}

Seconds read_duration(const TomlReader& r, const toml::table& t, std::string_view key,
                      std::string_view section, Seconds fallback) {
    auto text = r.string(t, key, section);
    if (!text) return fallback;
    auto ms = parse_duration(*text);
    const toml::node& node = *t.get(key);
    if (!ms)
        r.fail(node.source(),
               fmt::format("{} must be a duration such as \"15m\", \"72h\" or \"7d\", not \"{}\"",
                           TomlReader::label(key, section), *text));
    if (ms->count() < 1000)
        r.fail(node.source(), fmt::format("{} must be at least one second, not \"{}\"",
                                          TomlReader::label(key, section), *text));
    return std::chrono::duration_cast<Seconds>(*ms);
}

void read_access(const TomlReader& r, Policy& p) {
    const toml::table* t = r.table(r.root(), "access", "");
    if (t == nullptr) return;
    r.check_keys(*t, {"run", "approve", "break_glass", "allow_superuser"}, "access");
    p.access.run = read_roles(r, *t, "run");
    p.access.approve = read_roles(r, *t, "approve");
    p.access.break_glass = read_roles(r, *t, "break_glass");
    p.access.allow_superuser = r.boolean(*t, "allow_superuser", "access").value_or(false);
}

void read_approval(const TomlReader& r, Policy& p) {
    const toml::table* t = r.table(r.root(), "approval", "");
    if (t == nullptr) return;
    r.check_keys(*t, {"required_for", "approvers", "four_eyes", "valid_for"}, "approval");
    p.approval.required_for = read_risks(r, *t, "required_for", "approval");
    p.approval.approvers = int(r.integer(*t, "approvers", "approval", 1, 100).value_or(1));
    p.approval.four_eyes = r.boolean(*t, "four_eyes", "approval").value_or(true);
    p.approval.valid_for = read_duration(r, *t, "valid_for", "approval", p.approval.valid_for);
    if (!p.approval.required_for.empty() && p.access.approve.empty())
        r.fail(t->source(),
               "[approval] required_for needs roles that may approve: set \"approve\" in [access]");
}

// "22:00" -> minutes after midnight.
int read_clock(const TomlReader& r, const toml::table& t, std::string_view key) {
    auto text = r.string(t, key, "window");
    if (!text) r.fail(t.source(), fmt::format("[[window]] needs \"{}\" (a time such as \"22:00\")", key));
    const std::string& s = *text;
    bool shape = s.size() == 5 && std::isdigit((unsigned char)s[0]) && std::isdigit((unsigned char)s[1]) &&
                 s[2] == ':' && std::isdigit((unsigned char)s[3]) && std::isdigit((unsigned char)s[4]);
    int hours = shape ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
    int minutes = shape ? (s[3] - '0') * 10 + (s[4] - '0') : -1;
    bool valid = shape && hours <= 23 && minutes <= 59;
    if (s == "24:00") return 24 * 60;
    if (!valid)
        r.fail(t.get(key)->source(),
               fmt::format("{} must be a time HH:MM between 00:00 and 24:00, not \"{}\"",
                           TomlReader::label(key, "window"), s));
    return hours * 60 + minutes;
}

const date::time_zone* read_zone(const TomlReader& r, const toml::table& t, std::string_view section,
                                 std::string& name) {
    auto text = r.string(t, "timezone", section);
    if (!text) return nullptr;
    name = *text;
    // "localtime" (or a path) would be whatever zone the machine that runs pgsafe is set to:
    // the same policy would open its windows at different hours on a laptop and in CI.
    if (name == "localtime" || name.empty() || name.front() == '/' || name.find("..") != std::string::npos)
        r.fail(
            t.get("timezone")->source(),
            fmt::format("{} must name an IANA time zone such as \"Europe/Amsterdam\" or \"UTC\", not \"{}\": "
                        "the machine's local zone differs between the machines that run pgsafe",
                        TomlReader::label("timezone", section), name));
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        r.fail(t.get("timezone")->source(),
               fmt::format("{} must be an IANA time zone such as \"Europe/Amsterdam\" or \"UTC\", not \"{}\"",
                           TomlReader::label("timezone", section), name));
    }
}

Window read_window(const TomlReader& r, const toml::table& t, const std::vector<Window>& earlier) {
    r.check_keys(t, {"name", "days", "start", "end", "timezone", "applies_to"}, "window");
    Window w;
    auto name = r.string(t, "name", "window");
    if (!name) r.fail(t.source(), "[[window]] needs a \"name\"");
    w.name = *name;
    for (const Window& other : earlier)
        if (other.name == w.name)
            r.fail(t.get("name")->source(), fmt::format("a window named \"{}\" is already defined", w.name));
    if (t.get("days") == nullptr) r.fail(t.source(), fmt::format("window \"{}\" needs \"days\"", w.name));
    for (auto& [day, node] : r.strings(t, "days", "window")) {
        const auto* found = std::find(std::begin(k_day_names), std::end(k_day_names), day);
        if (found == std::end(k_day_names))
            r.fail(
                node->source(),
                fmt::format(
                    "\"days\" in [[window]] must hold mon, tue, wed, thu, fri, sat or sun, not \"{}\"", day));
        w.days.insert(unsigned(found - std::begin(k_day_names)));
    }
    if (w.days.empty()) r.fail(t.get("days")->source(), fmt::format("window \"{}\" has no days", w.name));
    w.start_minute = read_clock(r, t, "start");
    w.end_minute = read_clock(r, t, "end");
    if (w.start_minute == 24 * 60)
        r.fail(t.get("start")->source(), "\"start\" in [[window]] must be before 24:00 (use 00:00)");
    if (w.end_minute == w.start_minute)
        r.fail(t.get("end")->source(),
               fmt::format("window \"{}\" ends when it starts ({}): an empty window lets nothing run; "
                           "a window crossing midnight ends earlier than it starts (\"22:00\" to \"06:00\")",
                           w.name, *r.string(t, "end", "window")));
    w.zone = read_zone(r, t, "window", w.timezone);
    if (w.zone == nullptr)
        r.fail(t.source(),
               fmt::format("window \"{}\" needs a \"timezone\" (IANA, e.g. \"Europe/Amsterdam\")", w.name));
    w.applies_to = read_risks(r, t, "applies_to", "window");
    return w;
}

// A TOML date (a whole day in `zone`, UTC when none) or a date-time with an offset.
TimePoint read_instant(const TomlReader& r, const toml::table& t, std::string_view key,
                       const date::time_zone* zone, bool end_of_day, std::string& shown) {
    const toml::node* node = t.get(key);
    if (node == nullptr) r.fail(t.source(), fmt::format("[[freeze]] needs \"{}\"", key));
    if (const auto* d = node->as_date()) {
        auto day = date::local_days{date::year{d->get().year} / int(d->get().month) / int(d->get().day)};
        if (!date::year_month_day{day}.ok()) r.fail(node->source(), "not a valid date");
        if (end_of_day) day += date::days{1};
        shown = fmt::format("{:04}-{:02}-{:02}", d->get().year, d->get().month, d->get().day);
        if (zone == nullptr) return TimePoint{day.time_since_epoch()};
        return std::chrono::time_point_cast<Seconds>(zone->to_sys(day, date::choose::earliest));
    }
    if (const auto* dt = node->as_date_time()) {
        const toml::date_time& v = dt->get();
        if (!v.offset)
            r.fail(node->source(),
                   fmt::format("{} needs a UTC offset (\"2026-12-20T18:00:00+01:00\" or \"…Z\")",
                               TomlReader::label(key, "freeze")));
        auto day = date::sys_days{date::year{v.date.year} / int(v.date.month) / int(v.date.day)};
        auto at = TimePoint{day.time_since_epoch()} + std::chrono::hours(v.time.hour) +
                  std::chrono::minutes(v.time.minute) + Seconds(v.time.second) -
                  std::chrono::minutes(v.offset->minutes);
        std::ostringstream text;
        text << v;
        shown = text.str();
        return at;
    }
    r.wrong_type(*node, key, "freeze", "a date or a date-time with a UTC offset");
}

Freeze read_freeze(const TomlReader& r, const toml::table& t) {
    r.check_keys(t, {"from", "to", "reason", "applies_to", "timezone"}, "freeze");
    Freeze f;
    std::string zone_name;
    const date::time_zone* zone = read_zone(r, t, "freeze", zone_name);
    f.from = read_instant(r, t, "from", zone, false, f.from_text);
    f.to = read_instant(r, t, "to", zone, true, f.to_text);
    if (f.to <= f.from)
        r.fail(t.get("to")->source(),
               fmt::format("freeze ends ({}) before it starts ({})", f.to_text, f.from_text));
    auto reason = r.string(t, "reason", "freeze");
    if (!reason) r.fail(t.source(), "[[freeze]] needs a \"reason\" (shown to whoever it stops)");
    f.reason = *reason;
    f.applies_to = read_risks(r, t, "applies_to", "freeze");
    return f;
}

void read_deny(const TomlReader& r, Policy& p) {
    const toml::table* t = r.table(r.root(), "deny", "");
    if (t == nullptr) return;
    r.check_keys(*t, {"risk", "rules"}, "deny");
    p.deny.risk = read_risks(r, *t, "risk", "deny");
    for (auto& [rule, node] : r.strings(*t, "rules", "deny")) {
        rules::require_known_rule(rule, r.at(node->source()));
        p.deny.rules.insert(rule);
    }
}

// [[window]] and [[freeze]] are arrays of tables.
template <typename Read>
void each_table(const TomlReader& r, std::string_view key, Read read) {
    const toml::node* node = r.root().get(key);
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables())
        r.wrong_type(*node, key, "", fmt::format("an array of tables ([[{}]])", key).c_str());
    for (const toml::node& element : *array) read(*element.as_table());
}

}  // namespace

std::optional<plan::Risk> risk_from_name(std::string_view name) {
    for (plan::Risk risk : {plan::Risk::Low, plan::Risk::Medium, plan::Risk::High, plan::Risk::Critical})
        if (name == plan::risk_name(risk)) return risk;
    return std::nullopt;
}

Policy parse_policy(std::string_view text, const std::string& origin, const std::string& environment) {
    config::Settings check;
    Policy p;
    p.text = std::string(text);
    p.origin = origin;
    apply_policy_settings(p,
                          check);  // unknown top-level keys and the settings sections, located: fail closed
    TomlReader r(text, origin);
    p.environment = environment;
    read_access(r, p);
    read_approval(r, p);
    each_table(r, "window", [&](const toml::table& t) { p.windows.push_back(read_window(r, t, p.windows)); });
    each_table(r, "freeze", [&](const toml::table& t) { p.freezes.push_back(read_freeze(r, t)); });
    read_deny(r, p);
    return p;
}

void apply_policy_settings(const Policy& policy, config::Settings& settings) {
    std::string origin = settings.origin;
    config::read_config({policy.text, policy.origin}, config::k_policy_file, settings, k_policy_sections);
    settings.origin = origin;
}

std::vector<RoleMention> roles_named(const Policy& policy) {
    std::vector<RoleMention> out;
    auto add = [&](const std::vector<std::string>& roles, const char* key) {
        for (const auto& role : roles) out.push_back({role, fmt::format("\"{}\" in [access]", key)});
    };
    add(policy.access.run, "run");
    add(policy.access.approve, "approve");
    add(policy.access.break_glass, "break_glass");
    return out;
}

}  // namespace pgsafe::policy

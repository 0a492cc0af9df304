// Maintenance windows in their own time zone: each opening is a local start
// and end on a listed day (the day it starts; an end earlier than the start
// is the next day), turned into UTC by date/tz, so a window across midnight
// or across a daylight-saving change is exactly as long as the clocks say.

#include "pgsafe/policy/verdict.hpp"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <sstream>

namespace pgsafe::policy {
namespace {

using std::chrono::minutes;

TimePoint to_utc(const date::time_zone* zone, date::local_seconds local) {
    // A local time skipped by a DST change maps to the change itself; a repeated one to its first instance.
    return std::chrono::time_point_cast<Seconds>(zone->to_sys(local, date::choose::earliest));
}

date::local_days local_day(const date::time_zone* zone, TimePoint at) {
    return date::floor<date::days>(zone->to_local(at));
}

// The opening of `w` that starts on local day `day`, if `w` opens that day.
std::optional<Opening> opening_on(const Window& w, date::local_days day) {
    if (w.days.count(date::weekday(day).c_encoding()) == 0) return std::nullopt;
    date::local_seconds open = day + minutes(w.start_minute);
    date::local_seconds close = day + minutes(w.end_minute);
    if (w.end_minute < w.start_minute) close += date::days(1);
    Opening o{&w, to_utc(w.zone, open), to_utc(w.zone, close)};
    if (o.closes_at <= o.opens_at) return std::nullopt;  // swallowed by a DST change
    return o;
}

}  // namespace

std::vector<const Window*> windows_for(const Policy& policy, plan::Risk risk) {
    std::vector<const Window*> out;
    for (const Window& w : policy.windows)
        if (w.applies_to.empty() || w.applies_to.count(risk) > 0) out.push_back(&w);
    return out;
}

std::optional<Opening> opening_at(const Window& window, TimePoint at) {
    date::local_days today = local_day(window.zone, at);
    for (int back = 0; back <= 2; ++back) {
        auto o = opening_on(window, today - date::days(back));
        if (o && o->opens_at <= at && at < o->closes_at) return o;
    }
    return std::nullopt;
}

std::optional<Opening> next_opening(const Window& window, TimePoint at, Seconds length) {
    date::local_days today = local_day(window.zone, at);
    for (int ahead = -1; ahead <= 15; ++ahead) {
        auto o = opening_on(window, today + date::days(ahead));
        if (o && o->opens_at > at && o->closes_at - o->opens_at >= length) return o;
    }
    return std::nullopt;
}

std::string local_time_text(const date::time_zone* zone, const std::string& zone_name, TimePoint at,
                            TimePoint now) {
    auto local = zone->to_local(at);
    std::ostringstream out;
    if (local_day(zone, at) != local_day(zone, now)) {
        if (at - now < std::chrono::hours(24 * 6))
            out << date::format("%a ", local);
        else
            out << date::format("%a %F ", local);
    }
    out << date::format("%H:%M", local) << ' ' << zone_name;
    return out.str();
}

std::string iso_utc(TimePoint at) {
    return date::format("%FT%TZ", at);
}

}  // namespace pgsafe::policy

// What `pgsafe adopt` says: every file it adopts and how it checked it,
// what it leaves for `pgsafe migrate`, and, with --dry-run, the exact
// transaction it would commit.

#include "pgsafe/adopt/adopt.hpp"

#include <fmt/format.h>

namespace pgsafe::adopt {

std::string adopt_text(const AdoptResult& r) {
    std::string out;
    if (r.history)
        out += fmt::format("{} history {} on {}: {} row{}\n", tool_name(r.history->tool), r.history->table,
                           r.database, r.history->rows.size(), r.history->rows.size() == 1 ? "" : "s");
    else
        out += fmt::format("baseline {} on {}\n", r.plan.baseline.value_or(""), r.database);
    for (const auto& a : r.plan.adopt)
        out += fmt::format("  adopt    {:<16} {}  ({})\n", a.file->version, a.file->path.string(), a.check);
    for (const auto* f : r.plan.already)
        out += fmt::format("  recorded {:<16} {}  (pgsafe has it already)\n", f->version, f->path.string());
    for (const auto* f : r.plan.pending)
        out +=
            fmt::format("  pending  {:<16} {}  (pgsafe migrate will run it)\n", f->version, f->path.string());
    for (const auto& note : r.plan.notes) out += "  note: " + note + "\n";
    if (r.history && r.plan.baseline)
        out += fmt::format("  baseline: {} has no SQL files; pgsafe starts after its version {}\n",
                           tool_name(r.history->tool), *r.plan.baseline);
    std::string from = r.history ? r.history->table : std::string("the baseline");
    if (r.recorded) {
        out += fmt::format(
            "adopted {} migration{} in one transaction (event \"adopted\"); {} was not changed. "
            "Next: pgsafe migrate\n",
            r.plan.adopt.size(), r.plan.adopt.size() == 1 ? "" : "s", from);
    } else {
        out += fmt::format(
            "--dry-run: nothing was recorded. {}This transaction would be committed:\n",
            r.creates_tracking ? "The tracking schema \"pgsafe\" would be created or upgraded first. " : "");
        out += "BEGIN;\n" + r.sql + "\nCOMMIT;\n";
    }
    return out;
}

nlohmann::json adopt_json(const AdoptResult& r) {
    using nlohmann::json;
    json adopted = json::array();
    for (const auto& a : r.plan.adopt) {
        json one = {{"version", a.file->version},
                    {"path", a.file->path.string()},
                    {"key", a.key},
                    {"check", a.check}};
        if (a.row) one["row"] = a.row->row;
        adopted.push_back(one);
    }
    auto paths = [](const std::vector<const source::MigrationFile*>& files) {
        json out = json::array();
        for (const auto* f : files) out.push_back({{"version", f->version}, {"path", f->path.string()}});
        return out;
    };
    json out = {
        {"database", r.database},           {"recorded", r.recorded},           {"adopted", adopted},
        {"already", paths(r.plan.already)}, {"pending", paths(r.plan.pending)}, {"notes", r.plan.notes}};
    if (r.history) {
        out["tool"] = tool_name(r.history->tool);
        out["table"] = r.history->table;
    }
    if (r.plan.baseline) out["baseline"] = *r.plan.baseline;
    if (!r.recorded) out["sql"] = "BEGIN;\n" + r.sql + "\nCOMMIT;\n";
    return out;
}

}  // namespace pgsafe::adopt

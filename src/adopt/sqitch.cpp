// Sqitch (modelled on Sqitch 1.3, registry schema sqitch): sqitch.changes
// has a row per deployed change (change_id, script_hash, change, project,
// note, committed_at, …); sqitch.events records deploy, revert and fail.
// A change is keyed by its name, the deploy script deploy/<change>.sql;
// script_hash is SHA-1 of that file's bytes. A change whose last event is
// "fail" failed to deploy. Lock: pg_try_advisory_lock(75474063) (App::Sqitch::Engine::pg).
// --table names the registry schema.

#include "tool_spec.hpp"

#include <fmt/format.h>

namespace pgsafe::adopt::detail {
namespace {

void read(const nlohmann::json& rows, History& history) {
    for (const auto& r : rows) {
        std::string change = text_of(r.value("change", nlohmann::json()));
        if (text_of(r.value("event", nlohmann::json())) == "fail") {
            history.failures.push_back(fmt::format(
                "Sqitch: Deploy of change \"{}\" failed (its last event in the registry is \"fail\"); fix "
                "the deploy script and run `sqitch deploy` again, or `sqitch revert` to a known-good tag",
                change));
            continue;
        }
        if (text_of(r.value("event", nlohmann::json())) != "deploy") continue;
        HistoryRow row;
        row.key = change;
        row.name = change;
        std::string hash = text_of(r.value("script_hash", nlohmann::json()));
        if (!hash.empty()) row.checksum = hash;
        row.row = r;
        history.applied.push_back(std::move(row));
    }
}

// deploy/<change>.sql is change <change>; a numbered file's name part otherwise.
std::string file_key(const source::MigrationFile& file) {
    if (file.path.parent_path().filename() == "deploy") return file.path.stem().string();
    return file.name.empty() ? file_stem(file) : file.name;
}

std::optional<bool> matches(const HistoryRow& row, const std::string& bytes) {
    if (!row.checksum) return std::nullopt;
    return *row.checksum == sqitch_hash(bytes);
}

// The last event of every change, with the deployed change's script_hash.
std::string rows_sql(const std::string& schema) {
    return fmt::format(
        "SELECT coalesce(pg_catalog.json_agg(x ORDER BY x.committed_at, x.change_id), '[]')::pg_catalog.text "
        "FROM ("
        "SELECT DISTINCT ON (e.change_id) e.change_id, e.change, e.project, e.event, e.committed_at, "
        "e.committer_name, c.script_hash FROM {0}.events e LEFT JOIN {0}.changes c ON c.change_id = "
        "e.change_id ORDER BY e.change_id, e.committed_at DESC) x",
        schema);
}

}  // namespace

const ToolSpec k_sqitch{Tool::Sqitch,
                        "sqitch",
                        {"sqitch"},
                        {"change_id", "change", "event"},
                        {},
                        "committed_at",
                        KeyOrder::Plan,
                        read,
                        file_key,
                        matches,
                        [](const LockContext&) -> std::optional<long long> { return 75474063LL; },
                        false,
                        rows_sql};

}  // namespace pgsafe::adopt::detail

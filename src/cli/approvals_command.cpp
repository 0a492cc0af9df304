// `pgsafe approvals [DIR]`: every approval on record and whether it still
// counts, judged as the verdict judges it (policy::approval_standing): the
// file's checksum still matches, not expired, not revoked, the approver
// still a member of an approve role, and not the role that ran the
// migration under four-eyes (known once it has run).

#include "admin_policy.hpp"
#include "commands.hpp"
#include "config_flags.hpp"

#include "pgsafe/db/connection.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/policy/verdict.hpp"
#include "pgsafe/runner/approvals.hpp"
#include "pgsafe/source/migration.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace pgsafe::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Judged {
    const runner::ApprovalRow* row = nullptr;
    const source::MigrationFile* file = nullptr;  // nullptr: no file with this version
    bool counts = false;
    std::string why_not;
    long long valid_until = 0;  // unix seconds: policy::approval_valid_until
};

policy::TimePoint at(long long unix_seconds) {
    return policy::TimePoint(policy::Seconds(unix_seconds));
}

const source::MigrationFile* file_of(const std::vector<source::MigrationFile>& files,
                                     const std::string& version) {
    for (const auto& f : files)
        if (f.version == version) return &f;
    return nullptr;
}

Judged judge(const runner::ApprovalRow& row, const std::vector<source::MigrationFile>& files,
             const policy::Policy& policy, long long now, const std::string& dir) {
    policy::ApprovalRecord record;
    record.id = row.id;
    record.version = row.version;
    record.checksum = row.checksum;
    record.approver = row.approver;
    record.created_at = at(row.created_at);
    if (row.expires_at) record.expires_at = at(*row.expires_at);
    if (row.revoked_at) record.revoked_at = at(*row.revoked_at);
    record.approver_may_approve =
        std::any_of(row.approver_member_of.begin(), row.approver_member_of.end(), [&](const std::string& r) {
            return std::find(policy.access.approve.begin(), policy.access.approve.end(), r) !=
                   policy.access.approve.end();
        });
    Judged j{&row, file_of(files, row.version), false, "",
             policy::approval_valid_until(policy, record).time_since_epoch().count()};
    if (j.file == nullptr) {
        j.why_not = fmt::format("no migration file with version {} in {}", row.version, dir);
        return j;
    }
    policy::MigrationFacts facts;
    facts.version = j.file->version;
    facts.checksum = j.file->has_checksum(row.checksum) ? row.checksum : j.file->checksum;
    auto standing = policy::approval_standing(policy, record, facts, row.runner.value_or(""), at(now));
    j.counts = standing.counts;
    j.why_not = standing.why_not;
    if (row.revoked_at && !j.counts)
        j.why_not = fmt::format("revoked by {} at {}", row.revoked_by.value_or("?"),
                                runner::utc_text(*row.revoked_at));
    return j;
}

std::string optional_time(const std::optional<long long>& t) {
    return t ? runner::utc_text(*t) : "";
}

std::string approvals_json(const runner::ApprovalList& list, const JudgingPolicy& judging,
                           const std::vector<Judged>& judged) {
    json rows = json::array();
    for (const auto& j : judged) {
        const auto& r = *j.row;
        rows.push_back({{"id", r.id},
                        {"version", r.version},
                        {"path", j.file ? json(display_path(j.file->path)) : json()},
                        {"checksum", r.checksum},
                        {"approver", r.approver},
                        {"reason", r.reason},
                        {"created_at", runner::utc_text(r.created_at)},
                        {"expires_at", r.expires_at ? json(optional_time(r.expires_at)) : json()},
                        {"valid_until", runner::utc_text(j.valid_until)},
                        {"revoked_at", r.revoked_at ? json(optional_time(r.revoked_at)) : json()},
                        {"revoked_by", r.revoked_by ? json(*r.revoked_by) : json()},
                        {"runner", r.runner ? json(*r.runner) : json()},
                        {"counts", j.counts},
                        {"why_not", j.counts ? json() : json(j.why_not)}});
    }
    return json({{"database", list.database},
                 {"environment", judging.policy.environment},
                 {"policy", judging.stored ? "stored" : judging.policy.origin},
                 {"approvals", rows}})
               .dump(2) +
           "\n";
}

std::string approvals_text(const runner::ApprovalList& list, const JudgingPolicy& judging,
                           const std::vector<Judged>& judged) {
    std::string out =
        fmt::format("approvals in {} (environment \"{}\", {})\n", list.database, judging.policy.environment,
                    judging.stored ? "the policy pgsafe init stored" : judging.policy.origin);
    if (judged.empty()) return out + "  none\n";
    std::string version;
    for (const auto& j : judged) {
        const auto& r = *j.row;
        if (r.version != version) {
            version = r.version;
            int counting = 0;
            for (const auto& k : judged) counting += k.row->version == version && k.counts ? 1 : 0;
            out += fmt::format("{}{}: {} counting\n", version,
                               j.file ? fmt::format(" ({})", display_path(j.file->path)) : std::string(),
                               counting);
        }
        out += fmt::format("  #{} by {} at {}, until {}: {}\n      reason: {}\n", r.id, r.approver,
                           runner::utc_text(r.created_at), runner::utc_text(j.valid_until),
                           j.counts ? "counts" : "does not count: " + j.why_not, r.reason);
    }
    return out;
}

}  // namespace

void add_approvals_command(CLI::App& app, const GlobalOptions& global, int& code) {
    auto dir = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("approvals", "List approvals and whether each still counts");
    cmd->add_option("dir", *dir, "Migration directory (default: \"migrations\" from pgsafe.toml)");
    cmd->callback([dir, &global, &code] {
        if (global.format != "text" && global.format != "json")
            throw Error(ErrorKind::Usage, "pgsafe approvals writes --format text or json");
        LoadedSettings loaded = load_settings(global);
        fs::path folder = dir->empty() ? migrations_dir(loaded) : fs::path(*dir);
        std::vector<source::MigrationFile> files =
            layout_migrations(display_path(folder), loaded);  // as migrate hashes them
        std::string conninfo = db::resolve_conninfo(global.db);
        auto stored = runner::read_stored_environment(conninfo);
        JudgingPolicy judging = stored ? judging_policy(loaded, global, stored->name, stored->policy)
                                       : judging_policy(loaded, global, std::nullopt, std::nullopt);
        runner::ApprovalList list = runner::list_approvals(conninfo, judging.policy.access.approve);
        std::vector<Judged> judged;
        std::vector<const runner::ApprovalRow*> rows;
        for (const auto& r : list.approvals) rows.push_back(&r);
        std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
            return source::version_less(a->version, b->version);
        });
        for (const auto* r : rows)
            judged.push_back(judge(*r, files, judging.policy, list.now, display_path(folder)));
        std::string out = global.format == "json" ? approvals_json(list, judging, judged)
                                                  : approvals_text(list, judging, judged);
        std::fwrite(out.data(), 1, out.size(), stdout);
        code = exit_code(ExitCode::Ok);
    });
}

}  // namespace pgsafe::cli

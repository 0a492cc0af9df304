// Checking a resumed migration's stored steps against its file before any
// of them runs: planned again from what its first run recorded (pure
// planning), and from the live database when that record is missing or not
// enough; a step still to run must be a step of one of those plans.

#include "resume_check.hpp"

#include "sql_text.hpp"
#include "terminal_text.hpp"

#include "pgsafe/db/table_facts.hpp"
#include "pgsafe/plan/session_state.hpp"
#include "pgsafe/source/migration.hpp"
#include "pgsafe/sql/parse.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

namespace pgsafe::runner {
namespace {

using nlohmann::json;

json batch_of(const std::optional<plan::Batch>& b) {
    if (!b) return nullptr;
    return {{"schema", b->schema},
            {"table", b->table},
            {"key", b->key},
            {"types", b->types},
            {"legacy_range", b->legacy_range}};
}

json index_of(const std::optional<sql::RelationName>& i) {
    if (!i) return nullptr;
    return {{"schema", i->schema}, {"name", i->name}};
}

json timeout_of(const std::optional<int>& ms) {
    return ms ? json(*ms) : json(nullptr);
}

// What running the step depends on, in a fixed order (nlohmann sorts keys).
json executed(const StoredStep& s) {
    return {{"sql", s.sql},
            {"transactional", s.transactional},
            {"lock_mode", s.lock_mode == sql::LockMode::None ? "" : sql::lock_mode_name(s.lock_mode)},
            {"relations", s.relations},
            {"lock_timeout_ms", s.lock_timeout_ms},
            {"statement_timeout_ms", timeout_of(s.statement_timeout_ms)},
            {"index", index_of(s.index)},
            {"batch", batch_of(s.batch)}};
}

std::string excerpt(const std::string& sql) {
    return "\"" + shortened(terminal_safe(sql), 80) + "\"";
}

std::string ms_text(const std::optional<int>& ms) {
    return ms ? fmt::format("{} ms", *ms) : "none";
}

// Both versions name the same migration the way the ordering compares them.
bool same_version(const std::string& a, const std::string& b) {
    return !source::version_less(a, b) && !source::version_less(b, a);
}

const source::MigrationFile* file_of(const std::vector<source::MigrationFile>& files,
                                     const std::string& version) {
    for (const auto& f : files)
        if (same_version(f.version, version)) return &f;
    return nullptr;
}

// The steps the planner makes of `file`, after whatever it planned before;
// nullopt when the file does not plan (it did when it started).
std::optional<std::vector<StoredStep>> plan_steps(plan::Planner& planner, const source::MigrationFile& file) {
    plan::MigrationPlan p = plan_file(planner, file);
    if (p.syntax_error) return std::nullopt;
    sql::LineIndex lines(p.text);
    std::vector<StoredStep> out;
    for (std::size_t i = 0; i < p.steps.size(); ++i)
        out.push_back(stored_step(p.steps[i], static_cast<int>(i) + 1, lines));
    return out;
}

template <typename T>
T at_least(const json& j, const char* key, T min) {
    T value = j.at(key).get<T>();
    if (value < min) throw std::out_of_range(fmt::format("\"{}\" is {}, below {}", key, value, min));
    return value;
}

// The plan from the record's "planned_with": its settings and facts (with
// the live search path: where a name resolves is the session's, not the
// record's), after the files planned before it in that run. Nullopt, with
// the reason in `why_not`, when it cannot be rebuilt.
std::optional<std::vector<StoredStep>> recorded_plan(const json& record, const source::MigrationFile& file,
                                                     const std::vector<source::MigrationFile>& files,
                                                     const analysis::TableFacts& live, std::string& why_not) {
    auto with = record.find("planned_with");
    if (with == record.end() || !with->is_object()) {
        why_not =
            "its plan record does not say what it was planned with (records written before pgsafe checked "
            "resumes do not)";
        return std::nullopt;
    }
    if (!with->contains("after")) {
        why_not =
            "the record of the first file planned in its run, which lists the files planned before it, is "
            "gone or was replaced";
        return std::nullopt;
    }
    try {
        plan::PlanOptions options = plan_options_from_json(with->at("options"));
        json facts = with->at("facts");
        facts["search_path"] = live.search_path();
        // A record from before pgsafe read the names of views, sequences and domains: planned as if none
        // held a name.
        if (!facts.contains("other_names")) facts["other_names"] = json::object();
        plan::Planner planner(options, analysis::TableFacts::from_json(facts.dump(), "the plan record"));
        std::string previous;
        for (const auto& version : with->at("after").get<std::vector<std::string>>()) {
            // A run plans in file order: only files before it, each once.
            if (!source::version_less(version, file.version) ||
                (!previous.empty() && !source::version_less(previous, version))) {
                why_not = fmt::format("its plan record lists migration {} out of order", version);
                return std::nullopt;
            }
            previous = version;
            const source::MigrationFile* earlier = file_of(files, version);
            if (earlier == nullptr) {
                why_not =
                    fmt::format("migration {}, planned before it in that run, has no file now", version);
                return std::nullopt;
            }
            plan_steps(planner, *earlier);  // for what it creates: its own steps do not matter here
        }
        auto steps = plan_steps(planner, file);
        if (!steps) why_not = "the file does not plan with the settings it recorded";
        return steps;
    } catch (const std::exception& e) {
        why_not = fmt::format("its plan record's \"planned_with\" cannot be read ({})", e.what());
        return std::nullopt;
    }
}

// A step row that is not the step the plan record lists with its digest.
std::optional<Mismatch> record_mismatch(const json& record, const std::vector<StoredStep>& stored) {
    auto steps = record.find("steps");
    if (steps == record.end() || !steps->is_array()) return std::nullopt;
    for (const auto& s : stored) {
        if (s.state == StepState::Applied) continue;
        for (const auto& r : *steps) {
            if (!r.is_object() || r.value("step", 0) != s.number || !r.contains("digest")) continue;
            if (r.at("digest") != json(step_digest(s)))
                return Mismatch{s.number, "its row in pgsafe.steps is not the step its plan record lists"};
        }
    }
    return std::nullopt;
}

Refusal refusal(const Work& work, const Mismatch& m, const std::string& note) {
    const TrackedMigration& tracked = *work.tracked;
    std::string what = m.step == 0 ? m.what : fmt::format("stored step {}: {}", m.step, m.what);
    return Refusal{
        "stored-steps-changed",
        fmt::format(
            "{}: migration {} was left {}, and the steps stored to resume it are not what pgsafe plans "
            "for this file ({}){}; nothing of it ran",
            work.file->path.string(), work.file->version, tracked_state_name(tracked.state), what, note),
        "find out who changed its rows in pgsafe.steps and restore them, or edit the file so that it is "
        "planned anew (the steps already applied are kept and checked)",
        work.file->version};
}

}  // namespace

std::string step_digest(const StoredStep& step) {
    return source::sha256_checksum(executed(step).dump());
}

std::string step_difference(const StoredStep& stored, const StoredStep& planned) {
    std::vector<std::string> out;
    if (stored.sql != planned.sql)
        out.push_back(
            fmt::format("its SQL differs: stored {}, planned {}", excerpt(stored.sql), excerpt(planned.sql)));
    if (stored.transactional != planned.transactional)
        out.push_back(fmt::format("stored to run {} a transaction, planned {}",
                                  stored.transactional ? "in" : "outside",
                                  planned.transactional ? "in" : "outside"));
    if (stored.lock_mode != planned.lock_mode || stored.relations != planned.relations)
        out.push_back("its lock");
    if (stored.lock_timeout_ms != planned.lock_timeout_ms)
        out.push_back(fmt::format("its lock timeout (stored {} ms, planned {} ms)", stored.lock_timeout_ms,
                                  planned.lock_timeout_ms));
    if (stored.statement_timeout_ms != planned.statement_timeout_ms)
        out.push_back(fmt::format("its statement timeout (stored {}, planned {})",
                                  ms_text(stored.statement_timeout_ms),
                                  ms_text(planned.statement_timeout_ms)));
    if (index_of(stored.index) != index_of(planned.index)) out.push_back("the index it builds");
    if (batch_of(stored.batch) != batch_of(planned.batch)) out.push_back("its batches");
    std::string joined;
    for (const auto& s : out) joined += (joined.empty() ? "" : "; ") + s;
    return joined;
}

std::optional<Mismatch> first_mismatch(const std::vector<StoredStep>& stored,
                                       const std::vector<StoredStep>& planned) {
    if (stored.size() != planned.size())
        return Mismatch{0, fmt::format("pgsafe.steps holds {} steps for it, and the file plans {}",
                                       stored.size(), planned.size())};
    for (std::size_t i = 0; i < stored.size(); ++i) {
        const StoredStep& s = stored[i];
        if (s.number != static_cast<int>(i) + 1)
            return Mismatch{s.number, fmt::format("it is stored as step {} of {}", i + 1, stored.size())};
        if (s.state == StepState::Applied) continue;
        std::string diff = step_difference(s, planned[i]);
        if (!diff.empty()) return Mismatch{s.number, diff};
    }
    return std::nullopt;
}

json plan_options_json(const plan::PlanOptions& options) {
    const rules::LintOptions& lint = options.lint;
    json severities = json::object();
    for (const auto& [rule, severity] : lint.severities) severities[rule] = rules::severity_name(severity);
    return {{"lint",
             {{"large_table_rows", lint.thresholds.large_table_rows},
              {"large_table_bytes", lint.thresholds.large_table_bytes},
              {"severities", severities},
              {"excluded", lint.excluded},
              {"included", lint.included},
              {"runner", lint.runner == rules::Runner::Pgsafe ? "pgsafe" : "external"},
              {"pg_version", lint.pg_version},
              {"unknown_size_is_large", lint.unknown_size_is_large}}},
            {"timeouts",
             {{"lock_timeout_ms", options.timeouts.lock_timeout_ms},
              {"statement_timeout_ms", options.timeouts.statement_timeout_ms},
              {"long_statement_timeout_ms", options.timeouts.long_statement_timeout_ms},
              {"online_lock_timeout_ms", options.timeouts.online_lock_timeout_ms}}}};
}

plan::PlanOptions plan_options_from_json(const json& j) {
    // The bounds the configuration itself enforces (config/keys.cpp): a record
    // cannot plan with settings no pgsafe.toml could give.
    plan::PlanOptions out;
    const json& lint = j.at("lint");
    out.lint.thresholds.large_table_rows = at_least<double>(lint, "large_table_rows", 0);
    out.lint.thresholds.large_table_bytes = at_least<std::int64_t>(lint, "large_table_bytes", 0);
    for (const auto& [rule, name] : lint.at("severities").items()) {
        auto severity = rules::severity_from_name(name.get<std::string>());
        if (!severity) throw std::out_of_range(fmt::format("unknown severity for {}", rule));
        out.lint.severities[rule] = *severity;
    }
    out.lint.excluded = lint.at("excluded").get<std::set<std::string>>();
    out.lint.included = lint.at("included").get<std::set<std::string>>();
    std::string runner = lint.at("runner").get<std::string>();
    if (runner != "pgsafe" && runner != "external") throw std::out_of_range("unknown runner " + runner);
    out.lint.runner = runner == "pgsafe" ? rules::Runner::Pgsafe : rules::Runner::External;
    out.lint.pg_version = at_least<int>(lint, "pg_version", 10);
    out.lint.unknown_size_is_large = lint.at("unknown_size_is_large").get<bool>();
    const json& t = j.at("timeouts");
    out.timeouts.lock_timeout_ms = at_least<int>(t, "lock_timeout_ms", 1);
    out.timeouts.statement_timeout_ms = at_least<int>(t, "statement_timeout_ms", 0);
    out.timeouts.long_statement_timeout_ms = at_least<int>(t, "long_statement_timeout_ms", 0);
    out.timeouts.online_lock_timeout_ms = at_least<int>(t, "online_lock_timeout_ms", 1);
    return out;
}

FactsSubset::FactsSubset(const analysis::TableFacts& facts) : m_facts(facts) {
    const auto& tables = facts.tables();
    for (std::size_t t = 0; t < tables.size(); ++t) {
        m_by_name.emplace(tables[t].name, t);
        for (const auto& index : tables[t].indexes) m_by_name.emplace(index.name, t);
    }
}

analysis::TableFacts FactsSubset::subset(const std::string& text,
                                         const std::vector<StoredStep>& steps) const {
    std::set<std::size_t> kept;
    std::set<std::string, std::less<>> words;  // of the text, when other names may be among them
    const auto& path = m_facts.search_path();
    std::vector<std::string> step_sql;
    for (const auto& s : steps) step_sql.push_back(s.sql);
    const bool tracking_consulted = std::find(path.begin(), path.end(), k_tracking_schema) != path.end() ||
                                    names_tracking_schema(text, step_sql);
    if (!m_by_name.empty() || (m_facts.other_names() && !m_facts.other_names()->empty())) {
        std::string all = text;
        for (const auto& s : steps) {
            all += '\n' + s.sql + '\n' + s.why;
            if (s.index) all += '\n' + s.index->name;
        }
        plan::any_word(all, [&](std::string_view word) {
            auto range = m_by_name.equal_range(std::string(word));
            for (auto it = range.first; it != range.second; ++it) kept.insert(it->second);
            if (m_facts.other_names()) words.emplace(word);
            return false;
        });
    }
    std::vector<analysis::TableFact> tables;
    for (std::size_t t : kept) {
        const analysis::TableFact& table = m_facts.tables()[t];
        if (table.schema != k_tracking_schema || tracking_consulted || table.kind == "partitioned table")
            tables.push_back(table);
    }
    std::optional<std::map<std::string, analysis::SchemaNames>> other_names;
    if (m_facts.other_names()) {
        other_names.emplace();
        auto named = [&](const std::vector<std::string>& names) {
            std::vector<std::string> out;
            for (const auto& n : names)
                if (words.count(n) > 0) out.push_back(n);
            return out;
        };
        for (const auto& [schema, names] : *m_facts.other_names()) {
            if (schema == k_tracking_schema && !tracking_consulted) continue;
            analysis::SchemaNames kept_names{named(names.relations), named(names.constraints)};
            if (!kept_names.relations.empty() || !kept_names.constraints.empty())
                (*other_names)[schema] = std::move(kept_names);
        }
    }
    return analysis::TableFacts(std::move(tables), m_facts.search_path(), std::move(other_names));
}

const analysis::TableFacts& LiveFacts::get() {
    if (!m_facts) m_facts = db::load_table_facts(m_connection);
    return *m_facts;
}

PlanProvenance::PlanProvenance(const plan::PlanOptions& options, LiveFacts& live)
    : m_options(options), m_live(live) {
    std::random_device random;
    m_run = fmt::format("{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
}

json PlanProvenance::planned_with(const std::string& text, const std::vector<StoredStep>& steps) {
    if (!m_subset) m_subset.emplace(m_live.get());
    json facts = json::parse(m_subset->subset(text, steps).to_json());
    return {{"options", plan_options_json(m_options)},
            {"facts", std::move(facts)},
            {"run", m_run},
            {"position", m_after.size()}};
}

json PlanProvenance::with_run_order(json first) const {
    first["run_order"] = m_after;
    return first;
}

json with_files_planned_before(const json& record, const std::string& version, db::Connection& reads) {
    auto with = record.find("planned_with");
    if (with == record.end() || !with->is_object() || with->contains("after")) return record;
    auto run = with->find("run");
    auto position = with->find("position");
    if (run == with->end() || !run->is_string() || position == with->end() || !position->is_number_unsigned())
        return record;
    std::size_t before = position->get<std::size_t>();
    json out = record;
    if (before == 0) {
        out["planned_with"]["after"] = json::array();
        return out;
    }
    auto rows = reads.query(
        fmt::format(
            "SELECT pg_catalog.jsonb_extract_path(plan, 'planned_with', 'run_order') FROM "
            "pgsafe.migrations WHERE pg_catalog.jsonb_extract_path_text(plan, 'planned_with', 'run') = "
            "{} AND pg_catalog.jsonb_extract_path_text(plan, 'planned_with', 'position') = '0'",
            literal(run->get<std::string>())),
        fmt::format("reading the files planned before migration {}", version));
    if (rows.size() != 1 || !rows[0][0]) return record;
    json order = json::parse(*rows[0][0], nullptr, false);
    if (!order.is_array() || order.size() <= before || order[before] != json(version)) return record;
    out["planned_with"]["after"] = json(std::vector<json>(order.begin(), order.begin() + before));
    return out;
}

std::optional<Refusal> check_resume(const Work& work, const std::vector<source::MigrationFile>& files,
                                    db::Connection& reads, const plan::PlanOptions& options,
                                    LiveFacts& live) {
    const TrackedMigration& tracked = *work.tracked;
    const source::MigrationFile& file = *work.file;
    auto rows = reads.query(
        fmt::format("SELECT plan::pg_catalog.text, tool_version FROM pgsafe.migrations WHERE version = {}",
                    literal(tracked.version)),
        fmt::format("reading the plan recorded for migration {}", tracked.version));
    json record = json::object();
    std::string tool;
    if (!rows.empty()) {
        record = json::parse(rows.at(0).at(0).value_or("{}"), nullptr, false);
        if (!record.is_object()) record = json::object();
        tool = rows.at(0).at(1).value_or("");
    }
    record = with_files_planned_before(record, tracked.version, reads);
    // (a) The record is of this file.
    if (auto c = record.find("checksum"); c != record.end() && c->is_string() && !file.has_checksum(*c))
        return refusal(work,
                       {0, fmt::format("its plan record is of a file with checksum {}, the file is {}",
                                       c->get<std::string>(), file.checksum)},
                       "");
    // (b) The steps are the planner's for the file: with what the first run planned from, …
    // (c) and each is the step the plan record lists with its digest.
    auto as_recorded = [&]() -> std::optional<Refusal> {
        if (auto m = record_mismatch(record, tracked.steps)) return refusal(work, *m, "");
        return std::nullopt;
    };
    std::string why_not;
    std::optional<Mismatch> found;
    if (auto planned = recorded_plan(record, file, files, live.get(), why_not)) {
        found = first_mismatch(tracked.steps, *planned);
        if (!found) return as_recorded();
    }
    // … or with the live facts and settings (records without "planned_with",
    // a file planned before it that is gone).
    plan::Planner planner(options, live.get());
    auto now = plan_steps(planner, file);
    std::optional<Mismatch> live_found =
        now ? first_mismatch(tracked.steps, *now) : Mismatch{0, "the file does not plan"};
    if (!live_found) return as_recorded();
    std::string note;
    if (!found) {
        note = fmt::format(" (planned with the database as it is now: {}", why_not);
        if (!tool.empty() && tool != PGSAFE_VERSION)
            note += fmt::format("; it was started by pgsafe {}, which may finish it", tool);
        note += ")";
    }
    return refusal(work, found ? *found : *live_found, note);
}

plan::MigrationPlan plan_file(plan::Planner& planner, const source::MigrationFile& file) {
    return plan_file(planner, file, sql::parse_sql(file.text, {sql::KeepTree::Yes}));
}

plan::MigrationPlan plan_file(plan::Planner& planner, const source::MigrationFile& file,
                              const sql::ParsedFile& parsed) {
    return planner.plan({file.version, file.name, file.path.string(), file.checksum}, parsed);
}

}  // namespace pgsafe::runner

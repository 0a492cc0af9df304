// The JSON plan: the shape in the README (and issue #4), keys in a fixed order.

#include "pgsafe/report/plan_report.hpp"

#include "finding_json.hpp"
#include "plan_verdict.hpp"

namespace pgsafe::report {

using Json = nlohmann::ordered_json;

namespace {

Json step_json(const plan::Step& step, std::size_t index) {
    Json j;
    j["index"] = index;
    j["sql"] = step.sql;
    j["transactional"] = step.transactional;
    Json relations = Json::array();
    for (const auto& r : step.lock.relations) relations.push_back(r);
    j["lock"] = Json{{"mode", sql::lock_mode_name(step.lock.mode)}, {"relations", relations}};
    j["lock_timeout_ms"] = step.lock_timeout_ms;
    j["statement_timeout_ms"] = step.statement_timeout_ms ? Json(*step.statement_timeout_ms) : Json(nullptr);
    j["estimated_seconds"] = step.estimated_seconds ? Json(*step.estimated_seconds) : Json(nullptr);
    j["rule"] = optional_string(step.rule);
    j["why"] = step.why;
    j["index_built"] = step.index ? Json(step.index->qualified()) : Json(nullptr);
    j["batch"] = step.batch ? Json{{"schema", step.batch->schema},
                                   {"table", step.batch->table},
                                   {"key", step.batch->key},
                                   {"types", step.batch->types}}
                            : Json(nullptr);
    return j;
}

}  // namespace

std::string plan_json(const std::vector<plan::MigrationPlan>& plans, const Verdicts* verdicts) {
    Json out;
    out["version"] = 1;
    if (verdicts != nullptr) out["environment"] = verdicts->environment;
    out["migrations"] = Json::array();
    for (std::size_t index = 0; index < plans.size(); ++index) {
        const auto& p = plans[index];
        sql::LineIndex lines(p.text);
        Json m;
        m["version"] = p.version;
        m["name"] = p.name;
        m["path"] = p.path;
        m["checksum"] = p.checksum;
        m["risk"] = plan::risk_name(p.risk);
        m["findings"] = findings_json(p.findings, lines);
        if (verdicts != nullptr && index < verdicts->per_plan.size())
            m["verdict"] = verdict_json(verdicts->per_plan[index]);
        m["steps"] = Json::array();
        for (std::size_t i = 0; i < p.steps.size(); ++i) {
            Json step = step_json(p.steps[i], i + 1);
            step["line"] = lines.position(p.steps[i].source.begin).line;
            m["steps"].push_back(std::move(step));
        }
        out["migrations"].push_back(std::move(m));
    }
    if (verdicts != nullptr) out["notes"] = verdicts->notes;
    return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pgsafe::report

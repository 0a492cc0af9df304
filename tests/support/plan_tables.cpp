#include "plan_tables.hpp"

#include "pgsafe/sql/parse.hpp"

namespace pgsafe::test {

analysis::TableFact large_table(const std::string& name, const std::string& key_type) {
    analysis::TableFact t;
    t.schema = "public";
    t.name = name;
    t.rows = 5000000;
    t.bytes = 800000000;
    analysis::IndexFact pkey;
    pkey.name = name + "_pkey";
    pkey.columns = {"id"};
    if (!key_type.empty()) pkey.types = {key_type};
    pkey.unique = pkey.primary = true;
    pkey.partial = false;
    pkey.not_null = true;
    t.indexes.push_back(pkey);
    t.update_triggers = std::vector<std::string>{};
    t.triggers = std::vector<analysis::TriggerFact>{};
    t.rules = std::vector<analysis::RuleFact>{};
    t.generated_columns = std::vector<std::string>{};
    t.constraints = std::vector<analysis::ConstraintFact>{{name + "_pkey", "unique", {"id"}}};
    t.columns_without_select = std::vector<std::string>{};
    t.constraint_names = std::vector<std::string>{name + "_pkey"};
    return t;
}

std::vector<plan::MigrationPlan> plan_files(const std::vector<std::string>& files,
                                            std::vector<analysis::TableFact> tables,
                                            std::map<std::string, analysis::SchemaNames> other_names) {
    plan::Planner planner(plan::PlanOptions{},
                          analysis::TableFacts(std::move(tables), {"public"}, std::move(other_names)));
    std::vector<plan::MigrationPlan> out;
    for (std::size_t i = 0; i < files.size(); ++i) {
        sql::ParsedFile parsed = sql::parse_sql(files[i], {sql::KeepTree::Yes});
        std::string v = std::to_string(i + 1);
        out.push_back(planner.plan({v, "m" + v, "V" + v + "__m.sql", "sha256:x"}, parsed));
    }
    return out;
}

plan::MigrationPlan plan_one(const std::string& text, std::vector<analysis::TableFact> tables) {
    return plan_files({text}, std::move(tables)).back();
}

plan::MigrationPlan plan_one(const std::string& text, const analysis::TableFact& table) {
    return plan_one(text, std::vector<analysis::TableFact>{table});
}

}  // namespace pgsafe::test

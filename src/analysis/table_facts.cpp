// Table facts: lookup through the search path, human-readable sizes for
// messages, and the JSON stats snapshot (`pgsafe stats export` / `--stats`).

#include "pgsafe/analysis/table_facts.hpp"

#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>

namespace pgsafe::analysis {
namespace {

using Json = nlohmann::ordered_json;

std::string key(const std::string& schema, const std::string& name) {
    return schema + "." + name;
}

// One decimal below 10 ("6.2"), none above ("41", "512").
std::string short_number(double value) {
    return value < 10 ? fmt::format("{:.1f}", value) : fmt::format("{:.0f}", value);
}

std::string compact_count(double n) {
    if (n < 1000) return fmt::format("{:.0f}", n);
    if (n < 1e6) return short_number(n / 1e3) + " k";
    if (n < 1e9) return short_number(n / 1e6) + " M";
    return short_number(n / 1e9) + " G";
}

std::string compact_bytes(std::int64_t bytes) {
    static constexpr std::array<const char*, 5> k_units = {"bytes", "kB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1024 && unit + 1 < k_units.size()) {
        value /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{} bytes", bytes) : short_number(value) + " " + k_units[unit];
}

template <typename T>
T field(const Json& j, const char* name, const std::string& origin, const std::string& where) {
    if (!j.contains(name))
        throw Error(ErrorKind::Usage, fmt::format("{}: {}: missing \"{}\"", origin, where, name));
    try {
        return j.at(name).get<T>();
    } catch (const nlohmann::json::exception&) {
        throw Error(ErrorKind::Usage, fmt::format("{}: {}: \"{}\" has the wrong type", origin, where, name));
    }
}

Json trigger_json(const TriggerFact& t) {
    return Json{{"name", t.name},
                {"level", t.row ? "row" : "statement"},
                {"timing", t.timing},
                {"events", t.events},
                {"transition", t.transition}};
}

TriggerFact trigger_from(const Json& j, const std::string& origin, const std::string& where) {
    TriggerFact t;
    t.name = field<std::string>(j, "name", origin, where);
    t.row = field<std::string>(j, "level", origin, where) != "statement";
    t.timing = field<std::string>(j, "timing", origin, where);
    t.events = field<std::vector<std::string>>(j, "events", origin, where);
    t.transition = field<bool>(j, "transition", origin, where);
    return t;
}

ConstraintFact constraint_from(const Json& j, const std::string& origin, const std::string& where) {
    ConstraintFact c;
    c.name = field<std::string>(j, "name", origin, where);
    c.kind = field<std::string>(j, "kind", origin, where);
    c.columns = field<std::vector<std::string>>(j, "columns", origin, where);
    return c;
}

// The optional batching facts of a table (nullopt stays absent, so an older reader sees none).
void write_batch_facts(const TableFact& t, Json& jt) {
    if (t.triggers) {
        jt["triggers"] = Json::array();
        for (const auto& tr : *t.triggers) jt["triggers"].push_back(trigger_json(tr));
    }
    if (t.rules) {
        jt["rules"] = Json::array();
        for (const auto& r : *t.rules) jt["rules"].push_back(Json{{"name", r.name}, {"event", r.event}});
    }
    if (t.generated_columns) jt["generated_columns"] = *t.generated_columns;
    if (t.constraints) {
        jt["constraints"] = Json::array();
        for (const auto& c : *t.constraints)
            jt["constraints"].push_back(Json{{"name", c.name}, {"kind", c.kind}, {"columns", c.columns}});
    }
    if (t.columns_without_select) jt["columns_without_select"] = *t.columns_without_select;
}

void read_batch_facts(const Json& jt, const std::string& origin, const std::string& where, TableFact& t) {
    if (jt.contains("triggers")) {
        t.triggers.emplace();
        for (const auto& j : jt.at("triggers"))
            t.triggers->push_back(trigger_from(j, origin, where + ".triggers"));
    }
    if (jt.contains("rules")) {
        t.rules.emplace();
        for (const auto& j : jt.at("rules"))
            t.rules->push_back(RuleFact{field<std::string>(j, "name", origin, where + ".rules"),
                                        field<std::string>(j, "event", origin, where + ".rules")});
    }
    if (jt.contains("generated_columns"))
        t.generated_columns = field<std::vector<std::string>>(jt, "generated_columns", origin, where);
    if (jt.contains("constraints")) {
        t.constraints.emplace();
        for (const auto& j : jt.at("constraints"))
            t.constraints->push_back(constraint_from(j, origin, where + ".constraints"));
    }
    if (jt.contains("columns_without_select"))
        t.columns_without_select =
            field<std::vector<std::string>>(jt, "columns_without_select", origin, where);
}

}  // namespace

bool TriggerFact::fires_on(const std::string& event) const {
    return std::find(events.begin(), events.end(), event) != events.end();
}

bool ConstraintFact::uses(const std::string& column) const {
    return std::any_of(columns.begin(), columns.end(),
                       [&](const std::string& c) { return c == column || c == "*"; });
}

TableFacts::TableFacts(std::vector<TableFact> tables, std::vector<std::string> search_path,
                       std::optional<std::map<std::string, SchemaNames>> other_names)
    : m_tables(std::move(tables)),
      m_search_path(std::move(search_path)),
      m_other_names(std::move(other_names)) {
    if (m_search_path.empty()) m_search_path.push_back("public");
    for (size_t i = 0; i < m_tables.size(); ++i) m_by_name[key(m_tables[i].schema, m_tables[i].name)] = i;
}

const TableFact* TableFacts::find(const sql::RelationName& relation) const {
    if (m_by_name.empty()) return nullptr;
    if (!relation.schema.empty()) {
        auto it = m_by_name.find(key(relation.schema, relation.name));
        return it == m_by_name.end() ? nullptr : &m_tables[it->second];
    }
    for (const auto& schema : m_search_path) {
        auto it = m_by_name.find(key(schema, relation.name));
        if (it != m_by_name.end()) return &m_tables[it->second];
    }
    return nullptr;
}

std::string describe_size(const TableFact& table) {
    std::string rows = table.rows < 0 ? "rows unknown" : compact_count(table.rows) + " rows";
    return fmt::format("{}, {}", rows, compact_bytes(table.bytes));
}

std::string TableFacts::to_json() const {
    Json out;
    out["version"] = 1;
    out["search_path"] = m_search_path;
    out["tables"] = Json::array();
    for (const auto& t : m_tables) {
        Json jt{
            {"schema", t.schema}, {"name", t.name}, {"kind", t.kind}, {"rows", t.rows}, {"bytes", t.bytes}};
        jt["indexes"] = Json::array();
        for (const auto& i : t.indexes) {
            Json ji{{"name", i.name},
                    {"columns", i.columns},
                    {"unique", i.unique},
                    {"primary", i.primary},
                    {"valid", i.valid}};
            if (!i.types.empty()) ji["types"] = i.types;
            if (i.partial) ji["partial"] = *i.partial;
            if (i.not_null) ji["not_null"] = *i.not_null;
            jt["indexes"].push_back(std::move(ji));
        }
        if (t.update_triggers) jt["update_triggers"] = *t.update_triggers;
        write_batch_facts(t, jt);
        if (t.populated) jt["populated"] = *t.populated;
        if (t.default_partition) jt["default_partition"] = *t.default_partition;
        if (t.constraint_names) jt["constraint_names"] = *t.constraint_names;
        if (t.partition_check_column) jt["partition_check_column"] = *t.partition_check_column;
        out["tables"].push_back(std::move(jt));
    }
    if (m_other_names) {
        out["other_names"] = Json::object();
        for (const auto& [schema, names] : *m_other_names)
            out["other_names"][schema] =
                Json{{"relations", names.relations}, {"constraints", names.constraints}};
    }
    return out.dump(2) + "\n";
}

TableFacts TableFacts::from_json(const std::string& text, const std::string& origin) {
    Json j;
    try {
        j = Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(ErrorKind::Usage, fmt::format("{}: not a pgsafe stats snapshot: {}", origin, e.what()));
    }
    if (!j.is_object() || field<int>(j, "version", origin, "snapshot") != 1)
        throw Error(ErrorKind::Usage, fmt::format("{}: unsupported stats snapshot version", origin));
    std::vector<std::string> search_path =
        j.contains("search_path") ? field<std::vector<std::string>>(j, "search_path", origin, "snapshot")
                                  : std::vector<std::string>{"public"};
    std::vector<TableFact> tables;
    const Json& jtables = j.contains("tables") ? j.at("tables") : Json::array();
    for (size_t n = 0; n < jtables.size(); ++n) {
        const Json& jt = jtables[n];
        std::string where = fmt::format("tables[{}]", n);
        TableFact t;
        t.schema = field<std::string>(jt, "schema", origin, where);
        t.name = field<std::string>(jt, "name", origin, where);
        t.rows = field<double>(jt, "rows", origin, where);
        t.bytes = field<std::int64_t>(jt, "bytes", origin, where);
        if (jt.contains("kind")) t.kind = field<std::string>(jt, "kind", origin, where);
        if (jt.contains("indexes")) {
            for (const auto& ji : jt.at("indexes")) {
                IndexFact i;
                i.name = field<std::string>(ji, "name", origin, where + ".indexes");
                i.columns = field<std::vector<std::string>>(ji, "columns", origin, where + ".indexes");
                if (ji.contains("types"))
                    i.types = field<std::vector<std::string>>(ji, "types", origin, where + ".indexes");
                i.unique = ji.value("unique", false);
                i.primary = ji.value("primary", false);
                i.valid = ji.value("valid", true);
                if (ji.contains("partial"))
                    i.partial = field<bool>(ji, "partial", origin, where + ".indexes");
                if (ji.contains("not_null"))
                    i.not_null = field<bool>(ji, "not_null", origin, where + ".indexes");
                t.indexes.push_back(std::move(i));
            }
        }
        if (jt.contains("update_triggers"))
            t.update_triggers = field<std::vector<std::string>>(jt, "update_triggers", origin, where);
        if (jt.contains("populated")) t.populated = field<bool>(jt, "populated", origin, where);
        if (jt.contains("default_partition"))
            t.default_partition = field<bool>(jt, "default_partition", origin, where);
        if (jt.contains("constraint_names"))
            t.constraint_names = field<std::vector<std::string>>(jt, "constraint_names", origin, where);
        if (jt.contains("partition_check_column"))
            t.partition_check_column = field<std::string>(jt, "partition_check_column", origin, where);
        read_batch_facts(jt, origin, where, t);
        tables.push_back(std::move(t));
    }
    std::optional<std::map<std::string, SchemaNames>> other_names;
    if (j.contains("other_names")) {
        const Json& jo = j.at("other_names");
        if (!jo.is_object())
            throw Error(ErrorKind::Usage,
                        fmt::format("{}: snapshot: \"other_names\" has the wrong type", origin));
        other_names.emplace();
        for (const auto& [schema, jn] : jo.items()) {
            std::string where = "other_names." + schema;
            (*other_names)[schema] = {field<std::vector<std::string>>(jn, "relations", origin, where),
                                      field<std::vector<std::string>>(jn, "constraints", origin, where)};
        }
    }
    return TableFacts(std::move(tables), std::move(search_path), std::move(other_names));
}

}  // namespace pgsafe::analysis

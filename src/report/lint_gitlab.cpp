// GitLab Code Quality (the Code Climate issue subset GitLab reads): one issue
// per finding. The fingerprint leaves line numbers out on purpose: GitLab
// compares the base's report with the head's by fingerprint, and a finding
// that only moved down must not show up as fixed and new.

#include "pgsafe/report/gitlab.hpp"

#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <tuple>

namespace pgsafe::report {
namespace {

using Json = nlohmann::ordered_json;

const char* severity(const rules::Finding& f) {
    if (f.rule == "syntax-error") return "blocker";
    switch (f.severity) {
        case rules::Severity::Error: return "major";
        case rules::Severity::Warning: return "minor";
        case rules::Severity::Info: return "info";
    }
    return "major";
}

// FNV-1a, 64 bits: a stable, dependency-free hash (identity, not security).
class Fnv1a {
public:
    void add(std::string_view text) {
        for (unsigned char c : text) {
            m_hash ^= c;
            m_hash *= 0x100000001b3ULL;
        }
        m_hash ^= 0xffU;  // field separator: ("ab", "c") and ("a", "bc") differ
        m_hash *= 0x100000001b3ULL;
    }
    std::uint64_t value() const { return m_hash; }

private:
    std::uint64_t m_hash = 0xcbf29ce484222325ULL;
};

// Runs of whitespace become one space, none at either end: reindenting a
// statement or rewrapping it keeps its fingerprint.
std::string collapse_whitespace(std::string_view sql) {
    std::string out;
    bool space = false;
    for (char c : sql) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string_view span_text(const rules::FileResult& file, const rules::Finding& f) {
    std::size_t begin = std::min(f.span.begin, file.text.size());
    std::size_t end = std::min(std::max(f.span.end, begin), file.text.size());
    return std::string_view(file.text).substr(begin, end - begin);
}

// "message. Help." as one line: the widget shows the description only.
std::string description(const rules::Finding& f) {
    if (f.help.empty()) return f.message;
    bool ends_sentence =
        !f.message.empty() && std::string_view(".!?:").find(f.message.back()) != std::string_view::npos;
    return fmt::format("{}{} {}", f.message, ends_sentence ? "" : ".", f.help);
}

}  // namespace

std::string gitlab_fingerprint(std::string_view rule, std::string_view path, std::string_view table,
                               std::string_view sql, std::size_t occurrence) {
    Fnv1a hash;
    for (std::string_view part : {rule, path, table, sql}) hash.add(part);
    hash.add(std::to_string(occurrence));
    return fmt::format("{:016x}", hash.value());
}

std::string lint_gitlab(const std::vector<rules::FileResult>& files) {
    Json issues = Json::array();
    for (const auto& file : files) {
        if (file.findings.empty()) continue;
        sql::LineIndex lines(file.text);
        std::string path = std::filesystem::path(file.path).lexically_normal().generic_string();
        std::map<std::tuple<std::string, std::string, std::string>, std::size_t> seen;
        for (const auto& f : file.findings) {
            std::string table = f.table.value_or("");
            std::string sql = collapse_whitespace(span_text(file, f));
            std::size_t occurrence = seen[{f.rule, table, sql}]++;
            issues.push_back(Json{
                {"description", description(f)},
                {"check_name", f.rule},
                {"fingerprint", gitlab_fingerprint(f.rule, path, table, sql, occurrence)},
                {"severity", severity(f)},
                {"location",
                 Json{{"path", path}, {"lines", Json{{"begin", lines.position(f.span.begin).line}}}}},
            });
        }
    }
    return issues.dump(2) + "\n";
}

}  // namespace pgsafe::report

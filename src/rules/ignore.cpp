// Reading `pgsafe:ignore` and `pgsafe:ignore-file` comments. Names must be
// known rules: a typo would otherwise silently ignore nothing.

#include "pgsafe/rules/ignore.hpp"
#include "pgsafe/rules/rule.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <cctype>

namespace pgsafe::rules {
namespace {

constexpr std::string_view k_ignore = "pgsafe:ignore";
constexpr std::string_view k_ignore_file = "pgsafe:ignore-file";

Finding invalid(sql::Span span, std::string message) {
    Finding f;
    f.rule = "invalid-ignore";
    f.severity = Severity::Error;
    f.span = span;
    f.message = std::move(message);
    f.help = "Name the rules to ignore: -- pgsafe:ignore rule-a, rule-b reason (see `pgsafe rules`).";
    return f;
}

bool is_name_char(char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '-';
}

// "rule-a, rule-b because …" -> {"rule-a","rule-b"}: names run while separated by commas.
std::vector<std::string> read_names(std::string_view rest) {
    std::vector<std::string> names;
    size_t i = 0;
    while (true) {
        while (i < rest.size() && std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
        size_t start = i;
        while (i < rest.size() && is_name_char(rest[i])) ++i;
        if (i == start) break;
        names.emplace_back(rest.substr(start, i - start));
        while (i < rest.size() && rest[i] == ' ') ++i;
        if (i < rest.size() && rest[i] == ',') {
            ++i;
            continue;
        }
        break;
    }
    return names;
}

}  // namespace

std::vector<IgnoreDirective> parse_ignores(const sql::ParsedFile& file, std::vector<Finding>& errors) {
    std::vector<IgnoreDirective> out;
    if (file.comments.empty()) return out;
    sql::LineIndex lines(file.text);
    for (const auto& comment : file.comments) {
        std::string_view body(comment.text);
        while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) body.remove_prefix(1);
        if (body.substr(0, k_ignore.size()) != k_ignore) continue;
        IgnoreDirective d;
        d.span = comment.span;
        d.line = lines.position(comment.span.begin).line;
        d.whole_file = body.substr(0, k_ignore_file.size()) == k_ignore_file;
        std::string_view rest = body.substr(d.whole_file ? k_ignore_file.size() : k_ignore.size());
        if (!rest.empty() && !std::isspace(static_cast<unsigned char>(rest.front())))
            continue;  // pgsafe:ignored…
        d.rules = read_names(rest);
        if (d.rules.empty()) {
            errors.push_back(invalid(comment.span, "ignore comment names no rule"));
            continue;
        }
        bool ok = true;
        for (const auto& name : d.rules) {
            if (find_rule(name) == nullptr) {
                errors.push_back(
                    invalid(comment.span, fmt::format("ignore comment names unknown rule \"{}\"", name)));
                ok = false;
            }
        }
        if (!ok) continue;
        d.used.assign(d.rules.size(), false);
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace pgsafe::rules

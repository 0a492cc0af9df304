// GitHub Actions annotations: one workflow command per finding, so a pull
// request shows each finding on the line it is about. Escaping follows
// @actions/core (toCommandValue/escapeData/escapeProperty).

#include "pgsafe/report/github.hpp"

#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

namespace pgsafe::report {
namespace {

const char* command(rules::Severity severity) {
    switch (severity) {
        case rules::Severity::Error: return "error";
        case rules::Severity::Warning: return "warning";
        case rules::Severity::Info: return "notice";
    }
    return "error";
}

std::string plural(size_t n, const char* word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string github_escape_data(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '%': out += "%25"; break;
            case '\r': out += "%0D"; break;
            case '\n': out += "%0A"; break;
            default: out += c;
        }
    }
    return out;
}

std::string github_escape_property(std::string_view text) {
    std::string out;
    for (char c : github_escape_data(text)) {
        switch (c) {
            case ':': out += "%3A"; break;
            case ',': out += "%2C"; break;
            default: out += c;
        }
    }
    return out;
}

std::string lint_github(const std::vector<rules::FileResult>& files) {
    std::string out;
    for (const auto& file : files) {
        if (file.findings.empty()) continue;
        sql::LineIndex lines(file.text);
        std::string path = github_escape_property(file.path);
        for (const auto& f : file.findings) {
            sql::Position begin = lines.position(f.span.begin);
            sql::Position end = lines.position(std::max(f.span.begin, f.span.end));
            std::string message = f.help.empty() ? f.message : fmt::format("{}\nhelp: {}", f.message, f.help);
            out += fmt::format("::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                               command(f.severity), path, begin.line, begin.column, end.line, end.column,
                               github_escape_property(f.rule), github_escape_data(message));
        }
    }
    rules::Summary s = rules::summarize(files);
    out += fmt::format("pgsafe: {}, {}, {} in {} ({})\n", plural(s.errors, "error"),
                       plural(s.warnings, "warning"), plural(s.infos, "info"), plural(s.files, "file"),
                       plural(s.statements, "statement"));
    return out;
}

}  // namespace pgsafe::report

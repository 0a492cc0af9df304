// The text lint report for people: where, what, the source line underlined,
// and what to do instead. Colour only when the CLI says the terminal wants it.

#include "pgsafe/report/lint_report.hpp"
#include "pgsafe/sql/position.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgsafe::report {
namespace {

struct Palette {
    const char* bold;
    const char* red;
    const char* yellow;
    const char* blue;
    const char* cyan;
    const char* reset;
};

constexpr Palette k_color{"\x1b[1m", "\x1b[1;31m", "\x1b[1;33m", "\x1b[1;34m", "\x1b[1;36m", "\x1b[0m"};
constexpr Palette k_plain{"", "", "", "", "", ""};

const char* severity_color(rules::Severity s, const Palette& p) {
    switch (s) {
        case rules::Severity::Error: return p.red;
        case rules::Severity::Warning: return p.yellow;
        case rules::Severity::Info: return p.cyan;
    }
    return p.reset;
}

// Count of characters (not bytes) in a UTF-8 string.
size_t char_count(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// A note under the snippet; continuation lines line up under its first line.
void render_note(std::string& out, const std::string& gutter, const char* label, const std::string& text,
                 const Palette& p) {
    std::string indent = gutter + "   " + std::string(std::char_traits<char>::length(label) + 2, ' ');
    std::string body;
    for (char c : text) {
        body += c;
        if (c == '\n') body += indent;
    }
    out += fmt::format("{}{} ={} {}{}{}: {}\n", p.blue, gutter, p.reset, p.bold, label, p.reset, body);
}

void render_finding(std::string& out, const rules::FileResult& file, const rules::Finding& f,
                    const sql::LineIndex& lines, const Palette& p) {
    sql::Position begin = lines.position(f.span.begin);
    sql::Position end = lines.position(std::max(f.span.begin, f.span.end));
    // Tabs become spaces so the underline lines up with the text.
    std::string line(lines.line_text(begin.line));
    std::replace(line.begin(), line.end(), '\t', ' ');
    // Underline the span on its first line; a point (syntax error) gets one caret.
    size_t width = end.line == begin.line ? end.column - begin.column : char_count(line) + 1 - begin.column;
    width = std::max<size_t>(width, 1);
    std::string gutter(fmt::formatted_size("{}", begin.line), ' ');

    out += fmt::format("{}{}:{}:{}{}: {}{}[{}]{}: {}{}{}\n", p.bold, file.path, begin.line, begin.column,
                       p.reset, severity_color(f.severity, p), rules::severity_name(f.severity), f.rule,
                       p.reset, p.bold, f.message, p.reset);
    out += fmt::format("{}{} |{}\n", p.blue, gutter, p.reset);
    out += fmt::format("{}{} |{} {}\n", p.blue, begin.line, p.reset, line);
    out += fmt::format("{}{} |{} {}{}{}{}\n", p.blue, gutter, p.reset, std::string(begin.column - 1, ' '),
                       severity_color(f.severity, p), std::string(width, '^'), p.reset);
    if (!f.help.empty()) render_note(out, gutter, "help", f.help, p);
    if (f.fix) render_note(out, gutter, "fix", *f.fix, p);
    out += "\n";
}

std::string plural(size_t n, const char* word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::string lint_text(const std::vector<rules::FileResult>& files, Color color) {
    const Palette& p = color == Color::On ? k_color : k_plain;
    std::string out;
    for (const auto& file : files) {
        if (file.findings.empty()) continue;
        sql::LineIndex lines(file.text);
        for (const auto& f : file.findings) render_finding(out, file, f, lines, p);
    }
    rules::Summary s = rules::summarize(files);
    out += fmt::format("{}{}, {}, {}{} in {} ({})\n", p.bold, plural(s.errors, "error"),
                       plural(s.warnings, "warning"), plural(s.infos, "info"), p.reset,
                       plural(s.files, "file"), plural(s.statements, "statement"));
    return out;
}

}  // namespace pgsafe::report

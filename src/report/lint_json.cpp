// The JSON lint report: the shape documented in the README, keys in a fixed
// order so diffs of saved reports stay readable. Positions are 1-based.
// Written finding by finding: a document of every finding at once cost
// 22 MiB on the corpus, more than the rest of the lint, for the same text.

#include "pgsafe/report/lint_report.hpp"
#include "pgsafe/sql/position.hpp"

#include "finding_json.hpp"

#include <nlohmann/json.hpp>

namespace pgsafe::report {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t k_flush_bytes = 1 << 16;

// `value` as dump(2) would print it nested `depth` levels deep (JSON strings
// hold no raw newlines, so every line break is the printer's own).
void append_nested(std::string& out, const Json& value, int depth) {
    std::string text = value.dump(2, ' ', false, Json::error_handler_t::replace);
    std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
    std::size_t start = 0;
    while (true) {
        std::size_t newline = text.find('\n', start);
        out.append(text, start, newline == std::string::npos ? std::string::npos : newline - start + 1);
        if (newline == std::string::npos) break;
        out += indent;
        start = newline + 1;
    }
}

}  // namespace

void write_lint_json(const std::vector<rules::FileResult>& files,
                     const std::function<void(std::string_view)>& write) {
    std::string out = "{\n  \"version\": 1,\n  \"files\": ";
    out += files.empty() ? "[]" : "[\n";
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& file = files[i];
        sql::LineIndex lines(file.text);
        // The file object by hand, each finding dumped on its own: a file of
        // 40k statements has 20k findings, and their document cost 25 MiB.
        out +=
            "    {\n      \"path\": " + Json(file.path).dump(-1, ' ', false, Json::error_handler_t::replace) +
            ",\n      \"statements\": " + std::to_string(file.statements) + ",\n      \"findings\": ";
        out += file.findings.empty() ? "[]" : "[\n";
        for (std::size_t k = 0; k < file.findings.size(); ++k) {
            out += "        ";
            append_nested(out, finding_json(file.findings[k], lines), 4);
            out += k + 1 < file.findings.size() ? ",\n" : "\n      ]";
            if (out.size() > k_flush_bytes) {
                write(out);
                out.clear();
            }
        }
        out += i + 1 < files.size() ? "\n    },\n" : "\n    }\n  ]";
        write(out);
        out.clear();
    }
    rules::Summary s = rules::summarize(files);
    out += ",\n  \"summary\": ";
    append_nested(out,
                  Json{{"files", s.files},
                       {"statements", s.statements},
                       {"errors", s.errors},
                       {"warnings", s.warnings},
                       {"infos", s.infos}},
                  1);
    write(out + "\n}\n");
}

std::string lint_json(const std::vector<rules::FileResult>& files) {
    std::string out;
    write_lint_json(files, [&out](std::string_view piece) { out += piece; });
    return out;
}

}  // namespace pgsafe::report

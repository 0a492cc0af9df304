// The part of a migration file its tool runs, and the tool's transaction
// marker in it: goose's `-- +goose Up` / `Down` (with StatementBegin/End
// checked the way goose checks them), dbmate's `-- migrate:up` / `down`
// with `transaction:false`, node-pg-migrate's `-- Up Migration` /
// `-- Down Migration`, and sqlx's `-- no-transaction` first bytes. Each
// tool's refusals are kept, in its own words, so pgsafe never runs a file
// its tool would not.

#include "paths.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/layout.hpp"

#include <fmt/format.h>

#include <cctype>

namespace pgsafe::source {
namespace {

namespace fs = std::filesystem;

struct Line {
    std::size_t begin = 0;
    std::string_view text;  // without its line break
};

std::vector<Line> lines_of(const std::string& text) {
    std::vector<Line> lines;
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        lines.push_back({begin, std::string_view(text).substr(begin, end - begin)});
        begin = end + 1;
    }
    return lines;
}

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

bool blank_or_comment(std::string_view line) {
    auto t = trim(line);
    return t.empty() || t.substr(0, 2) == "--";
}

[[noreturn]] void refuse(const fs::path& path, std::size_t line, const std::string& why) {
    throw Error(ErrorKind::Usage, fmt::format("{}:{}: {}", path.string(), line, why));
}

// goose v3's parser (internal/sqlparser): annotations are lines starting with
// "--" whose rest, trimmed, is exactly the annotation.
Section goose_section(const std::string& text, const fs::path& path) {
    enum class State { Start, Up, Down } state = State::Start;
    bool in_statement = false;
    std::size_t statement_line = 0;
    Section s;
    std::optional<std::size_t> up;
    std::optional<std::size_t> down;
    auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const Line& line = lines[i];
        const std::size_t number = i + 1;
        if (line.text.substr(0, 2) == "--") {
            auto command = trim(line.text.substr(2));
            if (command == "+goose Up") {
                if (state != State::Start) refuse(path, number, "goose: duplicate '-- +goose Up' annotation");
                state = State::Up;
                up = line.begin;
                continue;
            }
            if (command == "+goose Down") {
                if (state != State::Up)
                    refuse(path, number,
                           "goose: '-- +goose Down' before '-- +goose Up' (goose requires Up first)");
                if (in_statement)
                    refuse(path, number,
                           "goose: '-- +goose Down' inside a StatementBegin/StatementEnd block");
                state = State::Down;
                down = line.begin;
                continue;
            }
            if (command == "+goose StatementBegin") {
                if (state == State::Start)
                    refuse(path, number, "goose: '-- +goose StatementBegin' before '-- +goose Up'");
                if (state == State::Up && in_statement)
                    refuse(path, number,
                           "goose: '-- +goose StatementBegin' inside another StatementBegin block");
                if (state == State::Up) {
                    in_statement = true;
                    statement_line = number;
                }
                continue;
            }
            if (command == "+goose StatementEnd") {
                if (state == State::Up && !in_statement)
                    refuse(path, number,
                           "goose: '-- +goose StatementEnd' without '-- +goose StatementBegin'");
                in_statement = false;
                continue;
            }
            if (command == "+goose NO TRANSACTION") {
                s.no_transaction = true;
                s.marker = std::string(trim(line.text));
                continue;
            }
            if (command == "+goose ENVSUBST ON")
                refuse(
                    path, number,
                    "goose: '-- +goose ENVSUBST ON' substitutes environment variables into the SQL; pgsafe "
                    "runs the text as written and will not guess their values (remove it, or run this file "
                    "with goose)");
        }
        if (state == State::Start && !blank_or_comment(line.text))
            refuse(path, number, "goose: a statement before '-- +goose Up' (goose refuses the file)");
    }
    if (!up)
        throw Error(
            ErrorKind::Usage,
            fmt::format("{}: goose: no '-- +goose Up' annotation (goose requires one)", path.string()));
    if (in_statement)
        refuse(path, statement_line, "goose: '-- +goose StatementBegin' without '-- +goose StatementEnd'");
    s.begin = *up;
    s.end = down ? *down : text.size();
    return s;
}

// dbmate: `^--\s*migrate:up(\s*$|\s+\S+)`, options as key:value words after it.
std::optional<std::string_view> dbmate_directive(std::string_view line, std::string_view which) {
    if (line.substr(0, 2) != "--") return std::nullopt;
    auto rest = line.substr(2);
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    if (rest.substr(0, which.size()) != which) return std::nullopt;
    rest.remove_prefix(which.size());
    if (!rest.empty() && !is_space(rest.front())) return std::nullopt;
    return trim(rest);
}

Section dbmate_section(const std::string& text, const fs::path& path) {
    Section s;
    std::optional<std::size_t> up;
    std::optional<std::size_t> down;
    auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const Line& line = lines[i];
        if (!up) {
            if (auto options = dbmate_directive(line.text, "migrate:up")) {
                up = line.begin;
                std::size_t start = 0;
                std::string_view words = *options;
                while (start < words.size()) {
                    std::size_t end = start;
                    while (end < words.size() && !is_space(words[end])) ++end;
                    auto word = words.substr(start, end - start);
                    if (word == "transaction:false") {
                        s.no_transaction = true;
                        s.marker = std::string(trim(line.text));
                    }
                    start = end;
                    while (start < words.size() && is_space(words[start])) ++start;
                }
                continue;
            }
        }
        if (!down && dbmate_directive(line.text, "migrate:down")) {
            if (!up)
                refuse(path, i + 1,
                       "dbmate: '-- migrate:down' before '-- migrate:up' (dbmate requires up first)");
            down = line.begin;
            continue;
        }
        if (!up && !blank_or_comment(line.text))
            refuse(path, i + 1,
                   "dbmate: a statement before the '-- migrate:up' block (dbmate refuses the file)");
    }
    if (!up)
        throw Error(ErrorKind::Usage,
                    fmt::format("{}: dbmate: no '-- migrate:up' block (dbmate requires one)", path.string()));
    s.begin = *up;
    s.end = down ? *down : text.size();
    return s;
}

// node-pg-migrate (sqlMigration.ts): /^\s*--[\s-]*up\s+migration/im.
bool npm_marker(std::string_view line, std::string_view which) {
    auto rest = line;
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    if (rest.substr(0, 2) != "--") return false;
    rest.remove_prefix(2);
    while (!rest.empty() && (is_space(rest.front()) || rest.front() == '-')) rest.remove_prefix(1);
    auto lower_prefix = [&](std::string_view word) {
        if (rest.size() < word.size()) return false;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(rest[i])) != word[i]) return false;
        }
        rest.remove_prefix(word.size());
        return true;
    };
    if (!lower_prefix(which)) return false;
    if (rest.empty() || !is_space(rest.front())) return false;
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    return lower_prefix("migration");
}

Section node_pg_migrate_section(const std::string& text, const fs::path& path) {
    std::optional<std::size_t> up;
    std::optional<std::size_t> down;
    for (const auto& line : lines_of(text)) {
        if (!up && npm_marker(line.text, "up")) up = line.begin;
        if (!down && npm_marker(line.text, "down")) down = line.begin;
    }
    Section s;
    if (!up) {
        if (down)
            throw Error(
                ErrorKind::Usage,
                fmt::format("{}: node-pg-migrate: a '-- Down Migration' section and no '-- Up Migration': "
                            "node-pg-migrate would run the whole file, its Down section too; pgsafe "
                            "refuses it (add '-- Up Migration' above the Up statements)",
                            path.string()));
        s.end = text.size();
        return s;
    }
    s.begin = *up;
    s.end = down && *down > *up ? *down : text.size();
    return s;
}

}  // namespace

Section up_section(const std::string& text, Layout layout, const fs::path& path) {
    switch (layout) {
        case Layout::Goose: return goose_section(text, path);
        case Layout::Dbmate: return dbmate_section(text, path);
        case Layout::NodePgMigrate: return node_pg_migrate_section(text, path);
        case Layout::Sqlx: {
            Section s;
            s.end = text.size();
            if (text.rfind("-- no-transaction", 0) == 0) {
                s.no_transaction = true;
                s.marker = "-- no-transaction";
            }
            return s;
        }
        default: {
            Section s;
            s.end = text.size();
            return s;
        }
    }
}

}  // namespace pgsafe::source

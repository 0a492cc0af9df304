// The scratch database's starting point for `pgsafe trace`: a schema copied
// with pg_dump, and generated rows. pg_dump runs as a child process with
// its arguments as a vector, never through a shell.

#include "pgsafe/trace/prepare.hpp"

#include "pgsafe/db/error.hpp"
#include "pgsafe/db/scratch_server.hpp"
#include "pgsafe/error.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace pgsafe::trace {
namespace {

namespace fs = std::filesystem;

std::string pg_dump_program() {
    try {
        fs::path beside = db::find_server_bindir() / "pg_dump";
        if (::access(beside.c_str(), X_OK) == 0) return beside.string();
    } catch (const Error&) {
    }
    return "pg_dump";  // from PATH
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// pg_dump's script without the psql meta-commands recent versions wrap it in
// (\restrict KEY … \unrestrict KEY): the server runs SQL only.
std::string without_meta_commands(const std::string& script) {
    std::string out;
    std::size_t start = 0;
    while (start < script.size()) {
        std::size_t end = script.find('\n', start);
        end = end == std::string::npos ? script.size() : end + 1;
        std::string_view line(script.data() + start, end - start);
        if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) out.append(line);
        start = end;
    }
    return out;
}

// Runs argv, its stdout into `out` and stderr into `err`; returns the exit status.
int run(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
    pid_t pid = ::fork();
    if (pid < 0) throw Error(ErrorKind::Database, "cannot start pg_dump: fork failed");
    if (pid == 0) {
        std::FILE* o = std::freopen(out.c_str(), "w", stdout);
        std::FILE* e = std::freopen(err.c_str(), "w", stderr);
        if (o == nullptr || e == nullptr) ::_exit(126);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A column's generated value for row g, by type; nullopt: leave it to its default.
std::optional<std::string> generated(const std::string& type, const std::string& category) {
    if (type == "uuid") return "md5(g::text)::uuid";
    if (type == "boolean") return "g % 2 = 0";
    if (type == "json" || type == "jsonb") return "'{}'::" + type;
    if (category == "N") return "g";
    if (category == "S") {
        auto open = type.find('(');
        if (open != std::string::npos)
            return fmt::format("left('v' || g, {})", std::atoi(type.c_str() + open + 1));
        return "'v' || g";
    }
    if (category == "D") return "timestamp '2020-01-01' + g * interval '1 minute'";
    if (category == "E")  // the enum's labels in turn
        return fmt::format("(enum_range(NULL::{0}))[1 + (g - 1) % cardinality(enum_range(NULL::{0}))]", type);
    return std::nullopt;
}

}  // namespace

void copy_schema(const std::string& source_url, db::Connection& target) {
    char pattern[] = "/tmp/pgsafe-schema.XXXXXX";
    const char* tmp = std::getenv("TMPDIR");
    std::string base = tmp != nullptr && *tmp != '\0' ? std::string(tmp) + "/pgsafe-schema.XXXXXX" : pattern;
    std::vector<char> dir(base.begin(), base.end());
    dir.push_back('\0');
    if (::mkdtemp(dir.data()) == nullptr)
        throw Error(ErrorKind::Usage, "cannot create a temporary directory");
    fs::path work(dir.data());
    struct Remove {
        fs::path path;
        ~Remove() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    } remove{work};
    std::string program = pg_dump_program();
    int status = run({program, "--schema-only", "--no-owner", "--no-privileges", "--exclude-schema=pgsafe",
                      "--dbname", source_url},
                     work / "schema.sql", work / "pg_dump.log");
    if (status == 127)
        throw Error(ErrorKind::Usage,
                    "--schema-from needs pg_dump: install the Debian package postgresql-client-15");
    if (status != 0)
        throw Error(ErrorKind::Database, fmt::format("--schema-from: pg_dump failed (exit {}): {}", status,
                                                     read_all(work / "pg_dump.log")));
    target.execute(without_meta_commands(read_all(work / "schema.sql")), "loading the schema pg_dump wrote");
    // pg_dump's script empties search_path for its session: back to the default.
    target.execute("RESET search_path", "resetting search_path");
}

std::set<std::string> applied_versions(db::Connection& source) {
    auto exists =
        source.query("SELECT to_regclass('pgsafe.migrations') IS NOT NULL", "looking for pgsafe.migrations");
    std::set<std::string> out;
    if (exists.at(0).at(0).value_or("f") != "t") return out;
    for (const auto& row : source.query("SELECT version FROM pgsafe.migrations WHERE state = 'applied'",
                                        "reading the applied migrations"))
        out.insert(row.at(0).value_or(""));
    return out;
}

SeedResult seed_rows(db::Connection& connection, long rows) {
    auto tables = connection.query(
        "SELECT c.oid::bigint, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT "
        "c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgsafe') AND n.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY c.oid",
        "listing tables to seed");
    SeedResult result;
    // Referenced tables first would need a topological order; retrying the
    // ones a foreign key refused a few times gets most schemas filled.
    std::vector<std::pair<std::string, std::string>> pending;
    for (const auto& t : tables) pending.emplace_back(t.at(0).value_or("0"), t.at(1).value_or(""));
    for (int round = 0; round < 3 && !pending.empty(); ++round) {
        std::vector<std::pair<std::string, std::string>> refused;
        for (const auto& [oid, name] : pending) {
            auto columns = connection.query(
                fmt::format(
                    "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), t.typcategory "
                    "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = {} "
                    "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
                    "AND a.attidentity <> 'a' ORDER BY a.attnum",
                    oid),
                "reading columns to seed");
            std::string names;
            std::string values;
            for (const auto& c : columns) {
                auto value = generated(c.at(1).value_or(""), c.at(2).value_or(""));
                if (!value) continue;
                names += (names.empty() ? "" : ", ") + c.at(0).value_or("");
                values += (values.empty() ? "" : ", ") + *value;
            }
            if (names.empty()) {
                result.left_empty.push_back(name);
                spdlog::warn("--seed-rows: {} left empty (pgsafe makes values for none of its column types)",
                             name);
                continue;
            }
            try {
                connection.execute(fmt::format("INSERT INTO {} ({}) SELECT {} FROM generate_series(1, {}) g",
                                               name, names, values, rows),
                                   "seeding " + name);
                result.filled.push_back(name);
            } catch (const db::DatabaseError& e) {
                if (e.connection_lost()) throw;
                spdlog::debug("--seed-rows: {}", e.what());
                refused.emplace_back(oid, name);
            }
        }
        pending = std::move(refused);
    }
    for (const auto& [oid, name] : pending) {
        result.left_empty.push_back(name);
        spdlog::warn("--seed-rows: {} left empty (its constraints refuse generated rows)", name);
    }
    connection.execute("ANALYZE", "analysing the seeded tables");
    return result;
}

}  // namespace pgsafe::trace

// Rewriting a connection string's database: the tests give each test a
// database of its own on one server, and a scratch server hands out one URL
// per database.

#include "pgsafe/db/conninfo.hpp"

#include <libpq-fe.h>

#include <memory>

namespace pgsafe::db {
namespace {

bool is_url(const std::string& conninfo) {
    return conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
}

// Drops dbname=… from a URL's query string ("a=1&dbname=x&b=2" -> "a=1&b=2").
std::string without_dbname_parameter(const std::string& query) {
    std::string kept;
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        auto parameter = query.substr(start, end - start);
        if (!parameter.empty() && parameter.rfind("dbname=", 0) != 0)
            kept += kept.empty() ? parameter : "&" + parameter;
        start = end + 1;
    }
    return kept;
}

std::string url_with_database(const std::string& url, const std::string& database) {
    auto authority_start = url.find("://") + 3;
    auto path_start = url.find_first_of("/?#", authority_start);
    if (path_start == std::string::npos) return url + "/" + database;
    std::string base = url.substr(0, path_start);
    auto query_start = url.find('?', path_start);
    if (query_start == std::string::npos) return base + "/" + database;
    auto query = without_dbname_parameter(url.substr(query_start + 1));
    return base + "/" + database + (query.empty() ? "" : "?" + query);
}

// PQconninfoParse's answer, freed with it; null when the string does not parse.
using ParsedOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

ParsedOptions parse(const std::string& conninfo) {
    char* error = nullptr;
    ParsedOptions options(PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    if (error != nullptr) PQfreemem(error);  // never shown: it can quote the password
    return options;
}

// A key=value value as libpq reads it back: quoted when empty or when it
// holds a space, a quote or a backslash.
std::string quoted_value(const std::string& value) {
    if (!value.empty() && value.find_first_of(" \t\n\r\f\v'\\") == std::string::npos) return value;
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

}  // namespace

bool conninfo_parses(const std::string& conninfo) {
    return parse(conninfo) != nullptr;
}

std::string redact(const std::string& conninfo) {
    if (conninfo.empty()) return "(PG* environment variables)";
    ParsedOptions options = parse(conninfo);
    if (!options) return "(a connection string that libpq cannot parse, not shown)";
    std::string out;
    bool password = false;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        std::string keyword = o->keyword;
        if (keyword == "password") {
            password = true;
            continue;
        }
        out += (out.empty() ? "" : " ") + keyword + "=" + quoted_value(o->val);
    }
    if (password) out += std::string(out.empty() ? "" : " ") + "password=***";
    return out.empty() ? "(libpq defaults and PG* environment variables)" : out;
}

std::string conninfo_with_database(const std::string& conninfo, const std::string& database) {
    if (is_url(conninfo)) return url_with_database(conninfo, database);
    return conninfo + (conninfo.empty() ? "" : " ") + "dbname=" + database;
}

}  // namespace pgsafe::db

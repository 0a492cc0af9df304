// Rewriting a connection string's database: the tests give each test a
// database of its own on one server, and a scratch server hands out one URL
// per database.

#include "pgsafe/db/conninfo.hpp"

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

}  // namespace

std::string conninfo_with_database(const std::string& conninfo, const std::string& database) {
    if (is_url(conninfo)) return url_with_database(conninfo, database);
    return conninfo + (conninfo.empty() ? "" : " ") + "dbname=" + database;
}

}  // namespace pgsafe::db

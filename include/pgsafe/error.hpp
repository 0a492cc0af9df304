#pragma once
// The errors users cause. Each carries what went wrong and where; the CLI
// maps its kind to the exit codes in DESIGN.md, in one place.

#include <stdexcept>
#include <string>

namespace pgsafe {

enum class ErrorKind {
    Usage,        // bad flags, missing file, bad configuration: exit 2
    Parse,        // SQL that PostgreSQL would reject: exit 3
    Database,     // unreachable, or an error from the server: exit 4
    Refused,      // refused by policy, drift: exit 5
    LockTimeout,  // gave up waiting for a table lock or the runner lock: exit 6
    Interrupted,  // SIGINT or SIGTERM: exit 130
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), m_kind(kind) {}
    ErrorKind kind() const { return m_kind; }

private:
    ErrorKind m_kind;
};

}  // namespace pgsafe

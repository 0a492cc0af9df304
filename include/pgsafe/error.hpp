#pragma once
// The errors users cause. Each carries what went wrong and where; the CLI
// maps its kind to the exit codes in exit_codes.hpp, in one place. A
// refusal (drift, out of order, and the policy verdict to come) is one type
// wherever it comes from: a code, a message, and what would unlock it.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

// Why pgsafe will not run something. Recorded as a "refused" event in
// pgsafe.events and reported with exit 5, the same way whatever refused.
struct Refusal {
    std::string code;     // stable, kebab-case: "drift", "out-of-order", "applied-steps-changed"
    std::string message;  // what is wrong, starting with the file it is about
    std::string unlock;   // what would let it run, as an imperative; "" when nothing can
    std::optional<std::string> version;  // the migration concerned

    // "message; unlock"
    std::string text() const { return unlock.empty() ? message : message + "; " + unlock; }
};

// Every refusal's text, one per line.
inline std::string refusals_text(const std::vector<Refusal>& refusals) {
    std::string out;
    for (const auto& r : refusals) out += (out.empty() ? "" : "\n") + r.text();
    return out;
}

// An Error of kind Refused that keeps its refusals.
class RefusedError : public Error {
public:
    explicit RefusedError(std::vector<Refusal> refusals)
        : Error(ErrorKind::Refused, refusals_text(refusals)), m_refusals(std::move(refusals)) {}
    const std::vector<Refusal>& refusals() const { return m_refusals; }

private:
    std::vector<Refusal> m_refusals;
};

}  // namespace pgsafe

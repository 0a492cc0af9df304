#pragma once
// Living beside the tool pgsafe adopted from (docs/adopt.md, Coexistence):
// while that tool's history table still exists, `migrate` also holds the
// tool's own advisory lock, so an old pipeline left running cannot apply
// something at the same time, and warns when the old table has rows that
// were not there when pgsafe adopted it.

#include "interrupt.hpp"

#include "pgsafe/db/connection.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pgsafe::runner {

// The old tools' advisory locks, held on a session of their own (with no
// open transaction, like the runner lock) until destroyed.
class OldToolLocks {
public:
    explicit OldToolLocks(db::Connection connection) : m_connection(std::move(connection)) {}
    ~OldToolLocks();
    OldToolLocks(const OldToolLocks&) = delete;
    OldToolLocks& operator=(const OldToolLocks&) = delete;
    db::Connection& connection() { return m_connection; }
    std::vector<long long> keys;

private:
    db::Connection m_connection;
};

// Reads pgsafe.adoptions (none: nothing to do), warns about rows the old
// tables gained since, and, when `take_locks`, polls each old tool's lock
// until `wait` has passed (throws pgsafe::Error LockTimeout naming the
// holder, Interrupted on a signal). Returns nullptr when no lock is held.
std::unique_ptr<OldToolLocks> coexist_with_old_tools(db::Connection& reads, const std::string& conninfo,
                                                     std::chrono::milliseconds wait,
                                                     InterruptWatch& interrupt, bool take_locks);

}  // namespace pgsafe::runner

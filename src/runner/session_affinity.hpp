#pragma once
// The runner lock holds only if each of pgsafe's sessions is one server
// process for as long as it lives. The lock is a session-level advisory
// lock, and the work session's check that the lock session still holds it
// (lock_check_sql) asks the server about another process than its own.
//
// A pooler in transaction (or statement) mode breaks both: between
// transactions it lends a client's server process to other clients. The
// lock then stays behind on a process of the pool that anyone may be handed
// next (a second runner "takes" it again there and runs too), pgsafe's
// unlock goes to another process, and a work transaction can land on the
// lock's own process, where the check cannot tell. A session-mode pooler
// keeps one server process per client and is fine.
//
// Direct connections, and proxies that pass the server's start-up reply on
// (HAProxy, an SSH tunnel), show libpq the server's process id; a pooler
// shows one of its own (db::Connection::through_pooler). Only then are the
// two sessions probed, before the lock is taken: each opens a transaction
// while the other holds one, and they end in both orders, since a pool
// hands out either the server process freed last or the one freed first.
// A session found on another server process than its own, or on the other
// session's, is pooled per transaction. (A pool busy with other clients can
// hide it from the probe; the lock's statements and the work session's
// check then catch the first change of process: runner_lock.hpp.)

#include "pgsafe/db/connection.hpp"

#include <string>

namespace pgsafe::runner {

// Throws pgsafe::Error (Usage: the connection string points at such a
// pooler) naming what was seen and what to connect to instead.
void require_sessions_of_their_own(db::Connection& lock_session, db::Connection& work_session);

// The message of that error, after `seen` ("the work session's transaction
// ran on server process 412, the runner lock's session on 412").
std::string pooled_sessions_message(const std::string& seen);

}  // namespace pgsafe::runner

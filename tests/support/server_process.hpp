#pragma once
// Servers the db tests start beside the scratch PostgreSQL (a standby, a
// pooler): commands run as the postgres system user when the tests run as
// root, on ports the kernel says are free.

#include <string>

namespace pgsafe::test {

// Runs `command` with sh, as the postgres system user when the tests run as
// root (PostgreSQL and PgBouncer refuse to run as root); its exit status.
int shell_as_server_user(const std::string& command);

// Gives `path` to the postgres system user when the tests run as root, so
// that a server started by shell_as_server_user can write there.
void give_to_server_user(const std::string& path);

// A port no one listens on now, from the kernel (bind to port 0). Another
// server may still take it before the caller's does: callers retry.
int free_port();

}  // namespace pgsafe::test

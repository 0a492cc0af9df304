#pragma once
// A throwaway PostgreSQL server: initdb into a directory of its own (trust
// authentication, fsync off), a Unix socket in that directory and a free TCP
// port on 127.0.0.1. As root the server runs as the `postgres` system user
// (created when missing), since PostgreSQL refuses to run as root. The
// object owns the server: stop() or the destructor shuts it down and removes
// the directory, also after a start that failed half-way. Used by the tests
// (through `pgsafe scratch-server`, which scripts/pg-scratch wraps) and meant
// for `pgsafe trace`'s embedded server.
//
//     pgsafe::db::ScratchServer server;          // started; throws pgsafe::Error
//     pgsafe::db::Connection connection(server.url());
//                                                // stopped and removed at scope end

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace pgsafe::db {

// The directory that holds PostgreSQL's server programs (initdb, postgres):
// $PGSAFE_PG_BINDIR when set, else `pg_config --bindir`, else Debian's
// /usr/lib/postgresql/15/bin. Throws pgsafe::Error (Usage) naming the Debian
// package postgresql-15 when the chosen directory lacks them.
std::filesystem::path find_server_bindir();

class ScratchServer {
public:
    // Whether the server may outlive this process.
    enum class Lifetime {
        Process,     // it dies with the thread that started it, even when pgsafe is SIGKILLed
        Detachable,  // it may: detach() leaves it running for adopt() in another process
    };

    struct Options {
        // Where it lives: empty means a new pgsafe-pg.XXXXXX under $TMPDIR (else
        // /tmp); a given directory is created when missing and must be empty.
        // Either way it is removed when the server stops.
        std::filesystem::path directory;
        Lifetime lifetime = Lifetime::Process;
        // Called once the directory exists and is marked as a scratch server's,
        // before initdb: `pgsafe scratch-server start` records it then, so a
        // later `stop` finds even a start that was killed.
        std::function<void(const std::filesystem::path&)> on_directory;
        // Polled while starting; when it returns true the start stops, cleans
        // up and throws pgsafe::Error (Interrupted). When unset, SIGINT and
        // SIGTERM are held back (blocked in the calling thread) during the
        // start and checked instead; after the clean-up they take effect as
        // usual. A caller with a signal-watching thread (runner::InterruptWatch)
        // passes its flag here. After the start, signals are the owner's to handle.
        std::function<bool()> interrupted;
    };

    // Starts a server and returns once it accepts connections at url().
    // Throws pgsafe::Error: Usage when the server programs are missing or the
    // directory is unusable, Database when initdb or the server fails (with
    // the end of its log), Interrupted (see Options::interrupted). Nothing is
    // left behind when it throws.
    ScratchServer();
    explicit ScratchServer(Options options);

    // Takes over a running (or half-started) server that a Detachable
    // ScratchServer left in `directory`, in this process or another: stop()
    // and the destructor then stop it. Throws pgsafe::Error (Usage) when the
    // directory is not a scratch server's.
    static ScratchServer adopt(const std::filesystem::path& directory);

    // Whether `directory` holds a scratch server's marker file.
    static bool is_scratch_directory(const std::filesystem::path& directory);

    ~ScratchServer();  // stop(), reporting nothing
    ScratchServer(ScratchServer&& other) noexcept;
    ScratchServer& operator=(ScratchServer&& other) noexcept;
    ScratchServer(const ScratchServer&) = delete;
    ScratchServer& operator=(const ScratchServer&) = delete;

    // postgresql://postgres@127.0.0.1:PORT/postgres (the superuser, trusted);
    // "" for an adopted server whose start never finished.
    const std::string& url() const { return m_url; }
    // The same server with another database.
    std::string url(std::string_view database) const;
    const std::filesystem::path& directory() const { return m_directory; }
    int port() const { return m_port; }
    // The postmaster's process id (0 when none runs).
    pid_t pid() const { return m_pid; }

    // Whether the server answers a connection at url() now.
    bool accepts_connections() const;

    // Shuts the server down (fast, then immediate, then SIGKILL) and removes
    // the directory. Does nothing when already stopped. Throws pgsafe::Error
    // (Database) when the directory cannot be removed.
    void stop();

    // Leaves the server running and gives up ownership (Detachable only);
    // returns the directory, for adopt().
    std::filesystem::path detach();

private:
    ScratchServer(std::filesystem::path directory, std::string url, int port, pid_t pid);
    void start(Options& options);
    void stop_server() noexcept;
    void remove_directory_after_failure() noexcept;

    std::filesystem::path m_directory;
    std::string m_url;
    int m_port = 0;
    pid_t m_pid = 0;
    Lifetime m_lifetime = Lifetime::Process;
};

}  // namespace pgsafe::db

// The throwaway PostgreSQL server in C++, so that `pgsafe trace` and the
// tests share one implementation (scripts/pg-scratch only wraps
// `pgsafe scratch-server`): initdb, the postmaster as our child in a session
// of its own, readiness by connecting, and a clean-up that runs on every way
// out of a start.

#include "pgsafe/db/scratch_server.hpp"

#include "pgsafe/db/conninfo.hpp"
#include "pgsafe/error.hpp"
#include "scratch_server_process.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <pqxx/pqxx>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pgsafe::db {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using scratch::Clock;

constexpr const char* k_marker = ".pgsafe-scratch";
constexpr const char* k_superuser = "postgres";
constexpr const char* k_debian_bindir = "/usr/lib/postgresql/15/bin";
constexpr const char* k_package_hint =
    "install the Debian package postgresql-15 (apt-get install postgresql-15, or scripts/setup), or set "
    "PGSAFE_PG_BINDIR to the directory that holds initdb and postgres";
constexpr int k_port_attempts = 5;
constexpr auto k_initdb_timeout = 120s;
constexpr auto k_ready_timeout = 60s;

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

bool has_server_programs(const fs::path& bindir) {
    return ::access((bindir / "initdb").c_str(), X_OK) == 0 &&
           ::access((bindir / "postgres").c_str(), X_OK) == 0;
}

// SIGINT and SIGTERM held back (blocked in this thread) while a start runs,
// unless the caller watches signals itself and passed `interrupted`.
class SignalHold {
public:
    explicit SignalHold(std::function<bool()> interrupted) : m_interrupted(std::move(interrupted)) {
        if (m_interrupted) return;
        sigset_t set = watched();
        m_blocked = ::pthread_sigmask(SIG_BLOCK, &set, &m_old_mask) == 0;
    }
    ~SignalHold() {
        if (m_blocked) ::pthread_sigmask(SIG_SETMASK, &m_old_mask, nullptr);  // a held signal acts now
    }
    SignalHold(const SignalHold&) = delete;
    SignalHold& operator=(const SignalHold&) = delete;

    bool requested() const {
        if (m_interrupted) return m_interrupted();
        sigset_t pending;
        sigemptyset(&pending);
        ::sigpending(&pending);
        return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;
    }

private:
    static sigset_t watched() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        return set;
    }
    std::function<bool()> m_interrupted;
    sigset_t m_old_mask{};
    bool m_blocked = false;
};

[[noreturn]] void throw_interrupted() {
    throw Error(ErrorKind::Interrupted, "interrupted while starting the scratch PostgreSQL server");
}

// As root: the `postgres` system user, created when missing (PostgreSQL
// refuses to run as root). Otherwise nullopt: the server runs as ourselves.
std::optional<scratch::RunAs> server_user() {
    if (::geteuid() != 0) return std::nullopt;
    if (::getpwnam(k_superuser) == nullptr) {
        scratch::Spawn useradd;
        useradd.argv = {"useradd", "--system",          "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", k_superuser};
        int status = scratch::run(useradd);
        if (status != 0 && ::getpwnam(k_superuser) == nullptr)
            throw Error(ErrorKind::Usage,
                        fmt::format("cannot create the postgres system user (useradd exit {}): PostgreSQL "
                                    "does not run as root",
                                    status));
    }
    const passwd* user = ::getpwnam(k_superuser);
    if (user == nullptr) throw Error(ErrorKind::Usage, "the postgres system user is missing");
    return scratch::RunAs{user->pw_uid, user->pw_gid};
}

void write_file(const fs::path& path, const std::string& content, std::ios::openmode mode = std::ios::trunc) {
    std::ofstream out(path, std::ios::binary | std::ios::out | mode);
    out << content;
    out.close();
    if (!out) throw Error(ErrorKind::Database, fmt::format("cannot write {}", path.string()));
}

std::string read_first_line(const fs::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// The last lines of a log, for an error message.
std::string log_tail(const fs::path& path, std::size_t lines = 20) {
    std::ifstream in(path);
    std::deque<std::string> tail;
    for (std::string line; std::getline(in, line);) {
        tail.push_back(line);
        if (tail.size() > lines) tail.pop_front();
    }
    std::string text;
    for (const auto& line : tail) text += "\n  " + line;
    return text.empty() ? " (empty)" : text;
}

void give_to(const fs::path& path, const std::optional<scratch::RunAs>& user) {
    if (user && ::chown(path.c_str(), user->uid, user->gid) != 0)
        throw Error(ErrorKind::Usage, fmt::format("cannot give {} to the postgres user: {}", path.string(),
                                                  std::strerror(errno)));
}

fs::path temporary_directory() {
    std::string base = env("TMPDIR").empty() ? "/tmp" : env("TMPDIR");
    std::string pattern = base + "/pgsafe-pg.XXXXXX";
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back('\0');
    if (::mkdtemp(path.data()) == nullptr)
        throw Error(ErrorKind::Usage,
                    fmt::format("cannot create a directory in {}: {}", base, std::strerror(errno)));
    return fs::path(path.data());
}

// The server's directory, created (or checked empty) and marked as ours.
fs::path make_directory(const fs::path& wanted) {
    fs::path directory;
    if (wanted.empty()) {
        directory = temporary_directory();
    } else {
        std::error_code error;
        fs::create_directories(wanted, error);
        if (error)
            throw Error(ErrorKind::Usage,
                        fmt::format("cannot create {}: {}", wanted.string(), error.message()));
        if (!fs::is_empty(wanted, error) || error)
            throw Error(ErrorKind::Usage, fmt::format("{} is not empty", wanted.string()));
        directory = fs::canonical(wanted);
    }
    write_file(directory / k_marker, "");
    return directory;
}

// A TCP port on 127.0.0.1 that nothing listens on now, from the kernel.
// Another process may take it before the server binds it: the start then
// tries another.
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        throw Error(ErrorKind::Database, fmt::format("cannot open a socket: {}", std::strerror(errno)));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
              ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    int error = errno;
    ::close(fd);
    if (!ok)
        throw Error(ErrorKind::Database, fmt::format("found no free TCP port: {}", std::strerror(error)));
    return ntohs(address.sin_port);
}

std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string superuser_url(int port) {
    return fmt::format("postgresql://{}@127.0.0.1:{}/postgres", k_superuser, port);
}

bool answers(const std::string& url) {
    try {
        pqxx::connection connection(url + "?connect_timeout=2");
        return true;
    } catch (const std::exception&) {
        return false;  // refused, or "the database system is starting up"
    }
}

// Waits for the end of a child that `stop` asked to end; true when it did.
bool wait_ended(pid_t pid, Clock::duration timeout) {
    return scratch::poll_until(
        [pid] {
            auto status = scratch::try_wait(pid);
            if (status && *status != -1) return true;  // our child, reaped
            return !scratch::process_alive(pid);
        },
        timeout);
}

// The postmaster recorded in DIR/data/postmaster.pid, if it still runs this
// data directory (a recycled pid is left alone).
pid_t recorded_postmaster(const fs::path& directory) {
    fs::path data = directory / "data";
    std::string line = read_first_line(data / "postmaster.pid");
    pid_t pid = 0;
    try {
        pid = line.empty() ? 0 : static_cast<pid_t>(std::stol(line));
    } catch (const std::exception&) {
        return 0;
    }
    if (pid <= 0 || !scratch::process_alive(pid)) return 0;
    std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return cmdline.find(data.string()) != std::string::npos ? pid : 0;
}

// Why the postmaster ended early: a port someone else took, or anything else.
bool lost_port_race(const fs::path& log) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("could not bind") != std::string::npos ||
           text.find("could not create listen socket") != std::string::npos ||
           text.find("Address already in use") != std::string::npos;
}

}  // namespace

fs::path find_server_bindir() {
    if (std::string chosen = env("PGSAFE_PG_BINDIR"); !chosen.empty()) {
        if (has_server_programs(chosen)) return fs::absolute(chosen);  // the children run elsewhere
        throw Error(ErrorKind::Usage,
                    fmt::format("no PostgreSQL server programs (initdb, postgres) in PGSAFE_PG_BINDIR={}: {}",
                                chosen, k_package_hint));
    }
    std::vector<std::string> looked;
    if (auto bindir = scratch::first_output_line({"pg_config", "--bindir"})) {
        if (has_server_programs(*bindir)) return *bindir;
        looked.push_back(*bindir + " (pg_config --bindir)");
    }
    if (has_server_programs(k_debian_bindir)) return k_debian_bindir;
    looked.push_back(k_debian_bindir);
    std::string where;
    for (const auto& place : looked) where += (where.empty() ? "" : ", ") + place;
    throw Error(ErrorKind::Usage, fmt::format("no PostgreSQL server programs (initdb, postgres) in {}: {}",
                                              where, k_package_hint));
}

ScratchServer::ScratchServer() : ScratchServer(Options{}) {}

ScratchServer::ScratchServer(Options options) : m_lifetime(options.lifetime) {
    SignalHold hold(std::move(options.interrupted));  // outlives the clean-up below
    options.interrupted = [&hold] { return hold.requested(); };
    try {
        start(options);
    } catch (...) {
        stop_server();
        remove_directory_after_failure();
        throw;
    }
}

ScratchServer::ScratchServer(fs::path directory, std::string url, int port, pid_t pid)
    : m_directory(std::move(directory)),
      m_url(std::move(url)),
      m_port(port),
      m_pid(pid),
      m_lifetime(Lifetime::Detachable) {}

void ScratchServer::start(Options& options) {
    auto started = Clock::now();
    fs::path bindir = find_server_bindir();
    auto user = server_user();
    m_directory = make_directory(options.directory);
    if (options.on_directory) options.on_directory(m_directory);
    give_to(m_directory, user);
    give_to(m_directory / k_marker, user);
    if (user) {
        scratch::Spawn check;
        check.argv = {"test", "-w", m_directory.string(), "-a", "-x", m_directory.string()};
        check.user = user;
        if (scratch::run(check) != 0)
            throw Error(ErrorKind::Usage, fmt::format("the postgres user cannot write {} (set TMPDIR to a "
                                                      "directory it can reach)",
                                                      m_directory.string()));
    }
    auto lifetime = m_lifetime == Lifetime::Process ? scratch::ChildLifetime::DiesWithParent
                                                    : scratch::ChildLifetime::MayOutlive;

    // initdb: trust authentication for the superuser, no fsync, C locale.
    fs::path data = m_directory / "data";
    scratch::Spawn initdb;
    initdb.argv = {(bindir / "initdb").string(),
                   "-D",
                   data.string(),
                   "-U",
                   k_superuser,
                   "--auth=trust",
                   "--encoding=UTF8",
                   "--locale=C",
                   "--no-sync",
                   "--no-instructions"};
    initdb.cwd = m_directory;  // a cwd the postgres user cannot read makes noise
    initdb.output = m_directory / "initdb.log";
    initdb.user = user;
    initdb.lifetime = scratch::ChildLifetime::DiesWithParent;
    pid_t initdb_pid = scratch::spawn(initdb);
    std::optional<int> initdb_status;
    bool ended =
        scratch::poll_until([&] { return (initdb_status = scratch::try_wait(initdb_pid)).has_value(); },
                            k_initdb_timeout, options.interrupted);
    if (!ended) {
        scratch::kill_group(initdb_pid);
        if (options.interrupted()) throw_interrupted();
        throw Error(ErrorKind::Database, fmt::format("initdb did not finish within {} s",
                                                     std::chrono::seconds(k_initdb_timeout).count()));
    }
    if (*initdb_status != 0)
        throw Error(ErrorKind::Database, fmt::format("initdb failed (exit {}):{}", *initdb_status,
                                                     log_tail(m_directory / "initdb.log")));
    write_file(data / "postgresql.conf", "\ninclude_if_exists = 'pgsafe_scratch.conf'\n", std::ios::app);
    auto initialised = Clock::now();

    for (int attempt = 1;; ++attempt) {
        m_port = free_port();
        write_file(data / "pgsafe_scratch.conf",
                   fmt::format("listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = {}\n"
                               "max_connections = 100\nfsync = off\nsynchronous_commit = off\n"
                               "full_page_writes = off\n",
                               m_port, quoted(m_directory.string())));
        give_to(data / "pgsafe_scratch.conf", user);
        scratch::Spawn postgres;
        postgres.argv = {(bindir / "postgres").string(), "-D", data.string()};
        postgres.cwd = m_directory;
        postgres.output = m_directory / "server.log";
        postgres.user = user;
        postgres.lifetime = lifetime;
        m_pid = scratch::spawn(postgres);
        std::string url = superuser_url(m_port);
        std::optional<int> exited;
        bool ready = scratch::poll_until(
            [&] {
                exited = scratch::try_wait(m_pid);
                return exited.has_value() || answers(url);
            },
            k_ready_timeout, options.interrupted);
        if (ready && !exited) {
            m_url = url;
            break;
        }
        if (!ready && options.interrupted()) throw_interrupted();
        if (!exited)
            throw Error(ErrorKind::Database,
                        fmt::format("the scratch server does not accept connections after {} s; its log:{}",
                                    std::chrono::seconds(k_ready_timeout).count(),
                                    log_tail(m_directory / "server.log")));
        m_pid = 0;
        if (!lost_port_race(m_directory / "server.log") || attempt == k_port_attempts)
            throw Error(ErrorKind::Database,
                        fmt::format("the scratch server did not start (exit {}); its log:{}", *exited,
                                    log_tail(m_directory / "server.log")));
        spdlog::debug("scratch server: port {} was taken, trying another", m_port);
    }
    write_file(m_directory / "port", fmt::format("{}\n", m_port));
    write_file(m_directory / "url", m_url + "\n");
    using Seconds = std::chrono::duration<double>;
    spdlog::debug("scratch server: initdb {:.2f} s, server start {:.2f} s",
                  Seconds(initialised - started).count(), Seconds(Clock::now() - initialised).count());
}

ScratchServer ScratchServer::adopt(const fs::path& directory) {
    if (!is_scratch_directory(directory))
        throw Error(ErrorKind::Usage,
                    fmt::format("{} is not a scratch server's directory", directory.string()));
    fs::path absolute = fs::canonical(directory);
    std::string port_text = read_first_line(absolute / "port");
    int port = port_text.empty() ? 0 : std::atoi(port_text.c_str());
    return ScratchServer(absolute, read_first_line(absolute / "url"), port, recorded_postmaster(absolute));
}

bool ScratchServer::is_scratch_directory(const fs::path& directory) {
    std::error_code error;
    return !directory.empty() && fs::is_regular_file(directory / k_marker, error);
}

ScratchServer::~ScratchServer() {
    try {
        stop();
    } catch (const std::exception& e) {
        spdlog::warn("could not remove the scratch server: {}", e.what());
    }
}

ScratchServer::ScratchServer(ScratchServer&& other) noexcept
    : m_directory(std::move(other.m_directory)),
      m_url(std::move(other.m_url)),
      m_port(other.m_port),
      m_pid(other.m_pid),
      m_lifetime(other.m_lifetime) {
    other.m_directory.clear();
    other.m_pid = 0;
}

ScratchServer& ScratchServer::operator=(ScratchServer&& other) noexcept {
    if (this != &other) {
        try {
            stop();
        } catch (const std::exception& e) {
            spdlog::warn("could not remove the scratch server: {}", e.what());
        }
        m_directory = std::move(other.m_directory);
        m_url = std::move(other.m_url);
        m_port = other.m_port;
        m_pid = other.m_pid;
        m_lifetime = other.m_lifetime;
        other.m_directory.clear();
        other.m_pid = 0;
    }
    return *this;
}

std::string ScratchServer::url(std::string_view database) const {
    return conninfo_with_database(m_url, std::string(database));
}

bool ScratchServer::accepts_connections() const {
    return m_pid > 0 && !m_url.empty() && answers(m_url);
}

// The processes initdb started may take a moment to die after its SIGKILL:
// one more try when they were still writing.
void ScratchServer::remove_directory_after_failure() noexcept {
    if (m_directory.empty()) return;
    std::error_code error;
    fs::remove_all(m_directory, error);
    if (error) {
        std::this_thread::sleep_for(100ms);
        fs::remove_all(m_directory, error);
    }
    if (error) spdlog::warn("could not remove {}: {}", m_directory.string(), error.message());
    m_directory.clear();
}

void ScratchServer::stop_server() noexcept {
    pid_t pid = m_pid;
    m_pid = 0;
    if (pid <= 0) return;
    // Fast shutdown (SIGINT): sessions are disconnected, nothing is written we need.
    ::kill(pid, SIGINT);
    if (wait_ended(pid, 30s)) return;
    ::kill(pid, SIGQUIT);  // immediate shutdown
    if (wait_ended(pid, 10s)) return;
    scratch::kill_group(pid);
}

void ScratchServer::stop() {
    stop_server();
    if (m_directory.empty()) return;
    fs::path directory = std::move(m_directory);
    m_directory.clear();
    m_url.clear();
    std::error_code error;
    fs::remove_all(directory, error);
    if (error)
        throw Error(ErrorKind::Database,
                    fmt::format("cannot remove {}: {}", directory.string(), error.message()));
}

fs::path ScratchServer::detach() {
    if (m_lifetime != Lifetime::Detachable)
        throw std::logic_error("a ScratchServer started with Lifetime::Process cannot be detached");
    fs::path directory = std::move(m_directory);
    m_directory.clear();
    m_pid = 0;
    return directory;
}

}  // namespace pgsafe::db

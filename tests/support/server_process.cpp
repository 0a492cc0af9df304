// Commands and ports for the servers db tests start (server_process.hpp).

#include "server_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace pgsafe::test {

int shell_as_server_user(const std::string& command) {
    std::string quoted = "'";
    for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    std::string line = geteuid() == 0 ? "runuser -u postgres -- sh -c " + quoted : "sh -c " + quoted;
    return std::system(line.c_str());
}

void give_to_server_user(const std::string& path) {
    if (geteuid() == 0) (void)std::system(("chown -R postgres '" + path + "'").c_str());
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0)
        port = ntohs(address.sin_port);
    if (fd >= 0) ::close(fd);
    return port != 0 ? port : 20000 + static_cast<int>(getpid() % 20000);
}

}  // namespace pgsafe::test

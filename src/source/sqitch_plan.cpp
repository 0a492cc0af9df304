// sqitch.plan as Sqitch 1.3 writes it (`sqitch add`): one line per change,
// "<name> [<dependencies>] <timestamp> <planner> <<email>> # <note>", with
// tag lines ("@v1.0 …"), pragmas ("%project=…"), comments and blank lines
// between. Only the change names and their order matter to pgsafe.

#include "sqitch_plan.hpp"

#include <fmt/format.h>

#include <cctype>
#include <map>

namespace pgsafe::source::detail {

std::vector<SqitchChange> read_sqitch_plan(const std::string& text, const std::filesystem::path& path,
                                           std::vector<std::string>& problems) {
    std::vector<SqitchChange> out;
    std::map<std::string, std::size_t> seen;  // name -> line
    std::size_t number = 0;
    for (std::size_t begin = 0; begin < text.size();) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string::npos) end = text.size();
        std::string_view line = std::string_view(text).substr(begin, end - begin);
        begin = end + 1;
        ++number;
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front())) != 0)
            line.remove_prefix(1);
        if (line.empty() || line.front() == '#' || line.front() == '%' || line.front() == '@') continue;
        std::size_t space = 0;
        while (space < line.size() && std::isspace(static_cast<unsigned char>(line[space])) == 0) ++space;
        std::string name(line.substr(0, space));
        if (name.front() == '-') {
            problems.push_back(fmt::format(
                "{}:{}: \"{}\" reverts a change in the plan; pgsafe reads plans that only deploy changes",
                path.string(), number, name));
            continue;
        }
        if (name.front() == '+') name.erase(0, 1);
        if (auto earlier = seen.find(name); earlier != seen.end()) {
            problems.push_back(fmt::format(
                "{}:{}: change \"{}\" is reworked (planned first at line {}): pgsafe does not read reworked "
                "Sqitch changes (deploy/{}@<tag>.sql); write the change as a new change instead",
                path.string(), number, name, earlier->second, name));
            continue;
        }
        seen[name] = number;
        out.push_back({name, number});
    }
    return out;
}

}  // namespace pgsafe::source::detail

// .gitignore-style globs for exclude_paths: `*`, `?`, `**` and character
// classes, matched segment by segment so `*.sql` never crosses a '/'.

#include "pgsafe/source/glob.hpp"

#include <algorithm>

namespace pgsafe::source {
namespace {

// One character class "[…]" at the start of glob against c; advances glob past it.
bool match_class(std::string_view& glob, char c) {
    size_t i = 1;
    bool negate = i < glob.size() && (glob[i] == '!' || glob[i] == '^');
    if (negate) ++i;
    bool matched = false;
    bool first = true;
    for (; i < glob.size() && (first || glob[i] != ']'); ++i, first = false) {
        if (i + 2 < glob.size() && glob[i + 1] == '-' && glob[i + 2] != ']') {
            matched = matched || (glob[i] <= c && c <= glob[i + 2]);
            i += 2;
        } else {
            matched = matched || glob[i] == c;
        }
    }
    glob.remove_prefix(std::min(glob.size(), i + 1));
    return matched != negate;
}

}  // namespace

bool glob_match(std::string_view glob, std::string_view path) {
    while (!glob.empty()) {
        if (glob.substr(0, 2) == "**") {
            std::string_view rest = glob.substr(2);
            if (!rest.empty() && rest.front() == '/') {
                // "**/" is zero or more whole directories.
                rest.remove_prefix(1);
                if (glob_match(rest, path)) return true;
                for (size_t i = 0; i < path.size(); ++i)
                    if (path[i] == '/' && glob_match(rest, path.substr(i + 1))) return true;
                return false;
            }
            for (size_t i = 0; i <= path.size(); ++i)
                if (glob_match(rest, path.substr(i))) return true;
            return false;
        }
        char g = glob.front();
        if (g == '*') {
            std::string_view rest = glob.substr(1);
            for (size_t i = 0; i <= path.size(); ++i) {
                if (glob_match(rest, path.substr(i))) return true;
                if (i < path.size() && path[i] == '/') break;
            }
            return false;
        }
        if (path.empty()) return false;
        char c = path.front();
        if (g == '?') {
            if (c == '/') return false;
            glob.remove_prefix(1);
        } else if (g == '[' && glob.find(']', 2) != std::string_view::npos) {
            if (c == '/' || !match_class(glob, c)) return false;
        } else {
            if (g != c) return false;
            glob.remove_prefix(1);
        }
        path.remove_prefix(1);
    }
    return path.empty();
}

bool path_excluded(const std::vector<std::string>& globs, std::string_view path) {
    while (path.substr(0, 2) == "./") path.remove_prefix(2);
    for (std::string_view glob : globs) {
        while (glob.substr(0, 2) == "./") glob.remove_prefix(2);
        while (glob.size() > 1 && glob.back() == '/') glob.remove_suffix(1);
        bool anchored = glob.find('/') != std::string_view::npos;
        // The path itself, then every directory it is in ("a/b/c.sql": "a/b", "a").
        for (std::string_view candidate = path; !candidate.empty();) {
            std::string_view last = candidate.substr(candidate.rfind('/') + 1);  // npos + 1 == 0
            if (glob_match(glob, anchored ? candidate : last)) return true;
            size_t slash = candidate.rfind('/');
            candidate = slash == std::string_view::npos ? std::string_view() : candidate.substr(0, slash);
        }
    }
    return false;
}

}  // namespace pgsafe::source

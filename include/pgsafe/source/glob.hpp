#pragma once
// Path globs as .gitignore writes them, for `exclude_paths`: which migration
// files a command leaves out. Pure string matching; no filesystem access.

#include <string>
#include <string_view>
#include <vector>

namespace pgsafe::source {

// Whether a path ('/'-separated, relative) matches a glob: `*` and `?` stay
// inside one path segment, `**` spans segments, `[abc]` is a character class.
bool glob_match(std::string_view glob, std::string_view path);

// Whether the globs leave a file out, as .gitignore would: a glob with a '/'
// matches the path (relative to the configuration file's directory) or a
// directory it is in; a glob without one matches any file or directory name.
bool path_excluded(const std::vector<std::string>& globs, std::string_view path);

}  // namespace pgsafe::source

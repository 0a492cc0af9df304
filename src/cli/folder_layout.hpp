#pragma once
// The layout a folder named on the command line is in, for commands that
// treat another tool's folder differently (`new`, `explain-locks`).

#include "config_flags.hpp"

#include "pgsafe/source/layout.hpp"

#include <filesystem>

namespace pgsafe::cli {

// The configured layout, else what `auto` recognises (throws the candidates
// for an ambiguous folder); pgsafe's own for a folder that does not exist yet.
inline source::Layout folder_layout(const std::filesystem::path& dir, const LoadedSettings& loaded) {
    source::Layout layout = configured_layout(loaded);
    std::error_code error;
    if (layout != source::Layout::Auto) return layout;
    if (!std::filesystem::is_directory(dir, error)) return source::Layout::Pgsafe;
    return source::detect_layout(dir).layout;
}

}  // namespace pgsafe::cli

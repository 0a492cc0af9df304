// The settings model: the key table (every key documented with the default
// settings.hpp gives it) and the resolution order every command uses,
// defaults < pgsafe.toml < environment variables < flags.

#include "pgsafe/config/keys.hpp"
#include "pgsafe/config/resolve.hpp"
#include "pgsafe/error.hpp"
#include "pgsafe/source/migration.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

using namespace pgsafe;
using config::Layers;
using config::Settings;

namespace {

// A fake process environment.
config::EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end() || it->second.empty()) return std::nullopt;
        return it->second;
    };
}

Layers with_file(const std::string& text) {
    Layers layers;
    layers.file = config::ConfigText{text, "pgsafe.toml"};
    return layers;
}

// The Usage error's message; fails the test when there is none.
std::string resolve_error(const Layers& layers) {
    try {
        config::resolve(layers);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    FAIL("no error");
    return {};
}

}  // namespace

TEST_CASE("every configuration key is documented with the default settings.hpp gives it", "[config]") {
    std::string docs = source::read_file(PGSAFE_SOURCE_DIR "/docs/configuration.md");
    Settings defaults;
    for (const config::Key& key : config::keys()) {
        INFO("key " << key.section << "." << key.name);
        std::string row_start = "| `" + std::string(key.name) + "` |";
        std::size_t at = docs.find("\n" + row_start);
        REQUIRE(at != std::string::npos);
        std::string row = docs.substr(at + 1, docs.find('\n', at + 1) - at - 1);
        if (key.section != "rules") CHECK_THAT(row, Catch::Contains("`" + key.show(defaults) + "`"));
    }
}

TEST_CASE("the key table names each section once, top level first, and finds its keys", "[config]") {
    std::vector<std::string_view> sections = config::sections();
    REQUIRE(!sections.empty());
    CHECK(sections.front() == "");
    CHECK(sections == std::vector<std::string_view>{"", "thresholds", "rules", "timeouts", "retry", "run"});
    REQUIRE(config::find_key("timeouts", "lock_timeout_ms") != nullptr);
    CHECK(config::find_key("timeouts", "lock_timeout_ms")->min == 1);
    CHECK(config::find_key("", "lock_timeout_ms") == nullptr);
    CHECK(config::find_key("", "fail_on")->env == "PGSAFE_FAIL_ON");
    CHECK(config::find_key("", "fail_on")->flag == "--fail-on");
}

TEST_CASE("settings resolve as defaults < pgsafe.toml < environment variables < flags", "[config]") {
    Layers layers;
    CHECK(config::resolve(layers).lint.fail_on == rules::Severity::Error);  // the default

    layers = with_file("fail_on = \"warning\"\nenvironment = \"staging\"\n");
    CHECK(config::resolve(layers).lint.fail_on == rules::Severity::Warning);
    CHECK(config::resolve(layers).project.environment == "staging");

    layers.env = env_of({{"PGSAFE_FAIL_ON", "info"}, {"PGSAFE_ENV", "qa"}});
    CHECK(config::resolve(layers).lint.fail_on == rules::Severity::Info);
    CHECK(config::resolve(layers).project.environment == "qa");

    layers.flags.fail_on = "never";
    layers.flags.environment = "prod";
    CHECK_FALSE(config::resolve(layers).lint.fail_on.has_value());
    CHECK(config::resolve(layers).project.environment == "prod");

    layers.env = env_of({{"PGSAFE_FAIL_ON", ""}});  // empty counts as unset
    layers.flags = {};
    CHECK(config::resolve(layers).lint.fail_on == rules::Severity::Warning);
}

TEST_CASE("flags override the file's runner and version, and add to its rule lists", "[config]") {
    Layers layers = with_file(
        "runner = \"external\"\npostgres_version = 13\n[rules]\nexclude = [\"lock-table\"]\n"
        "include = [\"require-lock-timeout\"]\n");
    layers.flags.runner = "pgsafe";
    layers.flags.postgres_version = 16;
    layers.flags.include = {"lock-table"};
    layers.flags.exclude = {"require-lock-timeout, ban-drop-column"};
    Settings s = config::resolve(layers);
    CHECK(s.lint.runner == rules::Runner::Pgsafe);
    CHECK(s.lint.postgres_version == 16);
    CHECK(s.rules.include == std::set<std::string>{"lock-table"});
    CHECK(s.rules.exclude == std::set<std::string>{"ban-drop-column", "require-lock-timeout"});
    CHECK(config::lint_options(s).excluded == s.rules.exclude);
}

TEST_CASE("a bad variable or flag is a usage error that names it", "[config]") {
    Layers layers;
    layers.env = env_of({{"PGSAFE_FAIL_ON", "warn"}});
    CHECK(resolve_error(layers) ==
          "PGSAFE_FAIL_ON must be \"error\", \"warning\", \"info\" or \"never\", not \"warn\"");

    layers = {};
    layers.flags.exclude = {"lock-tabel"};
    CHECK(resolve_error(layers) == "--exclude: unknown rule \"lock-tabel\" (did you mean \"lock-table\"?)");
    layers.flags.exclude = {"syntax-error"};
    CHECK_THAT(resolve_error(layers), Catch::StartsWith("--exclude: \"syntax-error\" cannot be excluded"));
    layers.flags.exclude = {"lock-table"};
    layers.flags.include = {"lock-table"};
    CHECK(resolve_error(layers) == "rule \"lock-table\" is given to both --exclude and --include");
}

TEST_CASE("a policy file may set only the keys the table allows it", "[config]") {
    Settings s;
    config::read_config({"[timeouts]\nlock_timeout_ms = 200\n", "policies/prod.toml"}, config::k_policy_file,
                        s);
    CHECK(s.timeouts.lock_timeout_ms == 200);
    CHECK(s.origin == "policies/prod.toml");
    try {
        config::read_config({"migrations = \"x\"\n", "policies/prod.toml"}, config::k_policy_file, s);
        FAIL("migrations accepted in a policy file");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == "policies/prod.toml:1:1: unknown key \"migrations\"");
    }
}

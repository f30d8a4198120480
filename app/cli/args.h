#pragma once
// A small command-line parser: `--name value`, `--name=value`, `--flag`,
// repeated options (`--models A B C` collects until the next option) and
// positionals. Unknown options are usage errors.

#include "alignscope/result.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace alignscope::cli {

struct OptionSpec {
    std::set<std::string> flags;   ///< options without a value
    std::set<std::string> values;  ///< options with one value
    std::set<std::string> lists;   ///< options taking every value up to the next option
};

class Args {
public:
    static Result<Args> parse(const std::vector<std::string> &argv, const OptionSpec &spec);

    bool has(const std::string &name) const;
    std::optional<std::string> value(const std::string &name) const;
    std::vector<std::string> list(const std::string &name) const;
    const std::vector<std::string> &positionals() const { return m_positionals; }
    /// Integer option with bounds; usage error naming the option otherwise.
    Result<int> integer(const std::string &name, int fallback, int lo, int hi) const;
    Result<double> number(const std::string &name, double fallback, double lo, double hi) const;
    /// The single positional joined by spaces (a sentence may come unquoted).
    std::string joinedPositionals() const;

private:
    std::map<std::string, std::vector<std::string>> m_options;
    std::vector<std::string> m_positionals;
};

} // namespace alignscope::cli

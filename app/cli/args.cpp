#include "cli/args.h"

#include <cstdlib>

namespace alignscope::cli {

Result<Args> Args::parse(const std::vector<std::string> &argv, const OptionSpec &spec)
{
    Args a;
    bool onlyPositionals = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string arg = argv[i];
        if (onlyPositionals || arg.size() < 3 || arg.rfind("--", 0) != 0) {
            if (arg == "--") {
                onlyPositionals = true;
                continue;
            }
            a.m_positionals.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        auto &slot = a.m_options[name];
        if (spec.flags.count(name)) {
            if (inlineValue)
                return usageError("--" + name + " takes no value");
            slot.push_back("1");
        } else if (spec.values.count(name)) {
            if (inlineValue) {
                slot.push_back(*inlineValue);
            } else if (i + 1 < argv.size()) {
                slot.push_back(argv[++i]);
            } else {
                return usageError("--" + name + " needs a value");
            }
        } else if (spec.lists.count(name)) {
            if (inlineValue)
                slot.push_back(*inlineValue);
            while (i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0)
                slot.push_back(argv[++i]);
            if (slot.empty())
                return usageError("--" + name + " needs at least one value");
        } else {
            return usageError("unknown option --" + name + " (see `alignscope-cli help`)");
        }
    }
    return a;
}

bool Args::has(const std::string &name) const { return m_options.count(name) != 0; }

std::optional<std::string> Args::value(const std::string &name) const
{
    auto it = m_options.find(name);
    if (it == m_options.end() || it->second.empty())
        return std::nullopt;
    return it->second.back();
}

std::vector<std::string> Args::list(const std::string &name) const
{
    auto it = m_options.find(name);
    return it == m_options.end() ? std::vector<std::string>{} : it->second;
}

Result<int> Args::integer(const std::string &name, int fallback, int lo, int hi) const
{
    auto v = value(name);
    if (!v)
        return fallback;
    char *end = nullptr;
    const long x = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || x < lo || x > hi)
        return usageError("--" + name + " must be an integer from " + std::to_string(lo) + " to " +
                          std::to_string(hi) + ", got \"" + *v + "\"");
    return static_cast<int>(x);
}

Result<double> Args::number(const std::string &name, double fallback, double lo, double hi) const
{
    auto v = value(name);
    if (!v)
        return fallback;
    char *end = nullptr;
    const double x = std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0' || !(x >= lo && x <= hi))
        return usageError("--" + name + " must be a number from " + std::to_string(lo) + " to " +
                          std::to_string(hi) + ", got \"" + *v + "\"");
    return x;
}

std::string Args::joinedPositionals() const
{
    std::string s;
    for (const auto &p : m_positionals)
        s += (s.empty() ? "" : " ") + p;
    return s;
}

} // namespace alignscope::cli

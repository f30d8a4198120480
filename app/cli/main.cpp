// alignscope-cli: the headless entry point.
#include "alignscope/allocator.h"
#include "cli/commands.h"
#include "cli/help.h"
#include "cli/import.h"

#include <cassert>
#include <cstdio>
#include <functional>
#include <map>

using namespace alignscope::cli;

namespace {

/// `help [COMMAND]`: the whole table, or one command's usage.
int helpCommand(const Argv &args)
{
    if (args.empty()) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    const auto text = args.size() == 1 ? commandUsage(args[0]) : std::nullopt;
    if (!text)
        return fail(alignscope::usageError(args.size() == 1 ? "help: unknown command \"" + args[0] +
                                                                  "\"; run `alignscope-cli help`"
                                                            : "help takes one command name"));
    std::fputs(text->c_str(), stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    alignscope::keepFreedMatricesForReuse();
    alignscope::backStreamedWeightsWithLargePages();
    const std::map<std::string, std::function<int(const Argv &)>> commands = {
        {"translate", translateCommand},
        {"inspect", inspectCommand},
        {"init", initCommand},
        {"train", trainCommand},
        {"eval", evalCommand},
        {"task", taskCommand},
        {"bench", benchCommand},
        {"compare", compareCommand},
        {"export", exportCommand},
        {"import", importCommand},
    };
    if (argc < 2) {
        std::fputs(usage().c_str(), stderr);
        return 2;
    }
    const std::string name = argv[1];
    const Argv rest(argv + 2, argv + argc);
    if (name == "--help" || name == "-h")
        return helpCommand({});
    if (name == "help")
        return helpCommand(rest);
    if (name == "--version") {
        std::printf("alignscope-cli %s\n", ALIGNSCOPE_VERSION);
        return 0;
    }
    auto it = commands.find(name);
    if (it == commands.end())
        return fail(alignscope::usageError("unknown command \"" + name + "\"; run `alignscope-cli help`"));
    if (asksForHelp(rest)) {
        const auto text = commandUsage(name);
        assert(text && "every command has a row in the usage table (help.cpp)");
        std::fputs(text.value_or(usage()).c_str(), stdout);
        return 0;
    }
    return it->second(rest);
}

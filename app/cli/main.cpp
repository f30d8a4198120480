// alignscope-cli: the headless entry point.
#include "cli/commands.h"
#include "cli/import.h"

#include <cstdio>
#include <functional>
#include <map>

using namespace alignscope::cli;

int main(int argc, char **argv)
{
    const std::map<std::string, std::function<int(const Argv &)>> commands = {
        {"translate", translateCommand},
        {"inspect", inspectCommand},
        {"init", initCommand},
        {"train", trainCommand},
        {"eval", evalCommand},
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
    if (name == "--help" || name == "-h" || name == "help") {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (name == "--version") {
        std::printf("alignscope-cli %s\n", ALIGNSCOPE_VERSION);
        return 0;
    }
    auto it = commands.find(name);
    if (it == commands.end())
        return fail(alignscope::usageError("unknown command \"" + name + "\"; run `alignscope-cli help`"));
    return it->second(Argv(argv + 2, argv + argc));
}

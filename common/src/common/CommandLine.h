#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace fraud {

// Flags for the project's command-line tools: `--name=value` or `--name value`, each with
// an environment variable fallback (PREFIX_NAME, upper case, '-' as '_'), so the same
// setting works from a shell, a systemd unit or a Kubernetes manifest. A flag given on the
// command line wins over the environment, which wins over the default.
class CommandLine {
public:
    CommandLine(std::string program, std::string summary, std::string envPrefix);

    // A setting that takes a value. An empty default with `required` makes it mandatory.
    CommandLine& option(const std::string& name, const std::string& defaultValue,
                        const std::string& help, bool required = false);
    // A boolean switch: present means true (also --name=false, or PREFIX_NAME=1).
    CommandLine& flag(const std::string& name, const std::string& help);

    // Parses argv from `first`. On --help prints the usage to `out` and returns false with
    // exitCode() 0; on a mistake prints one clear line to `err` and returns false with 2.
    bool parse(int argc, char** argv, int first, std::ostream& out, std::ostream& err);
    int exitCode() const { return exitCode_; }

    const std::string& get(const std::string& name) const;
    std::int64_t integer(const std::string& name) const;
    double number(const std::string& name) const;
    // The same, refusing values outside [min, max] with a message naming the flag.
    std::int64_t integer(const std::string& name, std::int64_t min, std::int64_t max) const;
    double number(const std::string& name, double min, double max) const;
    bool enabled(const std::string& name) const;
    bool given(const std::string& name) const;  // on the command line or in the environment
    const std::vector<std::string>& positional() const { return positional_; }

    std::string usage() const;
    std::string envName(const std::string& name) const;

private:
    struct Spec {
        std::string defaultValue;
        std::string help;
        bool required = false;
        bool isFlag = false;
    };
    std::string program_;
    std::string summary_;
    std::string envPrefix_;
    std::vector<std::string> order_;
    std::map<std::string, Spec> specs_;
    std::map<std::string, std::string> values_;
    std::map<std::string, bool> given_;
    std::vector<std::string> positional_;
    int exitCode_ = 0;
};

}  // namespace fraud

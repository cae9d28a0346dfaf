#include "common/CommandLine.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace fraud {

CommandLine::CommandLine(std::string program, std::string summary, std::string envPrefix)
    : program_(std::move(program)), summary_(std::move(summary)), envPrefix_(std::move(envPrefix)) {
    flag("help", "show this help and exit");
}

CommandLine& CommandLine::option(const std::string& name, const std::string& defaultValue,
                                 const std::string& help, bool required) {
    order_.push_back(name);
    specs_[name] = Spec{defaultValue, help, required, false};
    values_[name] = defaultValue;
    return *this;
}

CommandLine& CommandLine::flag(const std::string& name, const std::string& help) {
    order_.push_back(name);
    specs_[name] = Spec{"false", help, false, true};
    values_[name] = "false";
    return *this;
}

std::string CommandLine::envName(const std::string& name) const {
    std::string env = envPrefix_ + "_" + name;
    for (char& c : env)
        c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return env;
}

std::string CommandLine::usage() const {
    std::ostringstream out;
    out << "Usage: " << program_ << " [flags]\n\n"
        << summary_ << "\n\nFlags (environment variable in brackets):\n";
    for (const auto& name : order_) {
        const Spec& s = specs_.at(name);
        out << "  --" << name << (s.isFlag ? "" : "=VALUE");
        if (name != "help")
            out << "  [" << envName(name) << "]";
        out << "\n      " << s.help;
        if (s.required) {
            out << " (required)";
        } else if (!s.isFlag && !s.defaultValue.empty()) {
            out << " (default: " << s.defaultValue << ")";
        }
        out << "\n";
    }
    return out.str();
}

bool CommandLine::parse(int argc, char** argv, int first, std::ostream& out, std::ostream& err) {
    for (const auto& name : order_) {
        if (name == "help")
            continue;
        if (const char* env = std::getenv(envName(name).c_str()); env != nullptr) {
            values_[name] = specs_[name].isFlag && std::string(env).empty() ? "true" : env;
            given_[name] = true;
        }
    }
    for (int i = first; i < argc; ++i) {
        std::string arg = argv[i];
        if (!arg.starts_with("--")) {
            positional_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::string value;
        bool hasValue = false;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            hasValue = true;
        }
        const auto spec = specs_.find(name);
        if (spec == specs_.end()) {
            err << program_ << ": unknown flag --" << name << " (see --help)\n";
            exitCode_ = 2;
            return false;
        }
        if (spec->second.isFlag) {
            if (!hasValue)
                value = "true";
            if (value != "true" && value != "false" && value != "1" && value != "0") {
                err << program_ << ": --" << name << " takes true or false, not '" << value
                    << "'\n";
                exitCode_ = 2;
                return false;
            }
        } else if (!hasValue) {
            if (i + 1 >= argc) {
                err << program_ << ": --" << name << " needs a value\n";
                exitCode_ = 2;
                return false;
            }
            value = argv[++i];
        }
        values_[name] = value;
        given_[name] = true;
    }
    if (enabled("help")) {
        out << usage();
        exitCode_ = 0;
        return false;
    }
    for (const auto& [name, spec] : specs_) {
        if (spec.required && values_[name].empty()) {
            err << program_ << ": --" << name << " is required (or set " << envName(name) << ")\n";
            exitCode_ = 2;
            return false;
        }
    }
    return true;
}

const std::string& CommandLine::get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end())
        throw std::logic_error("no such flag --" + name);
    return it->second;
}

std::int64_t CommandLine::integer(const std::string& name) const {
    const auto& v = get(name);
    std::size_t used = 0;
    try {
        const auto n = std::stoll(v, &used);
        if (used == v.size())
            return n;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument("--" + name + " must be a whole number, not '" + v + "'");
}

double CommandLine::number(const std::string& name) const {
    const auto& v = get(name);
    std::size_t used = 0;
    try {
        const double n = std::stod(v, &used);
        if (used == v.size())
            return n;
    } catch (const std::exception&) {
    }
    throw std::invalid_argument("--" + name + " must be a number, not '" + v + "'");
}

std::int64_t CommandLine::integer(const std::string& name, std::int64_t min,
                                  std::int64_t max) const {
    const auto n = integer(name);
    if (n < min || n > max) {
        throw std::invalid_argument("--" + name + " must be between " + std::to_string(min) +
                                    " and " + std::to_string(max) + ", not " + get(name));
    }
    return n;
}

double CommandLine::number(const std::string& name, double min, double max) const {
    const double n = number(name);
    if (!(n >= min && n <= max)) {
        std::ostringstream range;
        range << "--" << name << " must be between " << min << " and " << max << ", not "
              << get(name);
        throw std::invalid_argument(range.str());
    }
    return n;
}

bool CommandLine::enabled(const std::string& name) const {
    const auto& v = get(name);
    return v == "true" || v == "1";
}

bool CommandLine::given(const std::string& name) const {
    return given_.count(name) > 0;
}

}  // namespace fraud

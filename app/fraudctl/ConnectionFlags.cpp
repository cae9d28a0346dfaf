#include "ConnectionFlags.h"

#include <QEventLoop>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>

#include "cluster/LocalClusterFile.h"
#include "profiles/ConnectionProfile.h"
#include "profiles/ProfileToken.h"

namespace fraudops {
namespace {

constexpr const char* kDefaultEndpoint = "127.0.0.1:50051";
constexpr const char* kDefaultPrometheus = "http://127.0.0.1:9090";
constexpr const char* kDefaultJob = "fraud-scorer";

// A profile as fraudctl uses it: its scorers (for `local`, the running cluster's), its
// Prometheus and job, its TLS settings and its token.
struct ProfileTarget {
    std::vector<std::string> scorers;
    std::string prometheus, job;
    ScorerEndpoint base;  // TLS settings and token; no address
};

// The profile's token as the console finds it (keychain, then its environment variable,
// then its file); the keychain answers asynchronously, so wait for it here.
TokenLookup tokenOf(const ConnectionProfile& profile) {
    ProfileToken token;
    std::optional<TokenLookup> found;
    QEventLoop loop;
    QObject::connect(&token, &ProfileToken::resolved, &loop, [&](const TokenLookup& lookup) {
        found = lookup;
        loop.quit();
    });
    token.resolve(profile);
    if (!found) {
        QTimer::singleShot(10'000, &loop, &QEventLoop::quit);
        loop.exec();
    }
    if (!found) {
        TokenLookup none;
        none.problems = QStringLiteral("the keychain did not answer within 10 s");
        return none;
    }
    return *found;
}

ProfileTarget resolveProfile(const std::string& name) {
    const auto profile = ProfileStore().find(QString::fromStdString(name));
    if (!profile) {
        QStringList names;
        for (const auto& p : ProfileStore().all())
            names << p.name;
        throw std::runtime_error("no connection profile named '" + name +
                                 "' (profiles: " + names.join(", ").toStdString() + ")");
    }
    ProfileTarget t;
    if (profile->isLocal()) {
        QString error;
        const auto local = readLocalClusterFile(profile->localClusterDir, &error);
        if (!local)
            throw std::runtime_error("profile local: " + error.toStdString());
        for (const auto& s : local->scorers)
            t.scorers.push_back(s.toStdString());
        t.prometheus = local->prometheusUrl.toStdString();
        t.job = local->job.toStdString();
    } else {
        for (const auto& s : profile->scorerEndpoints)
            t.scorers.push_back(s.trimmed().toStdString());
        t.prometheus = profile->prometheusUrl.toStdString();
        t.job = profile->scrapeJob.toStdString();
    }
    const auto token = tokenOf(*profile);
    t.base = profile->endpoint({}, token.token);
    if (token.token.isEmpty() && !token.problems.isEmpty())
        std::fprintf(stderr, "fraudctl: profile %s has no token: %s\n", name.c_str(),
                     qPrintable(token.problems));
    if (t.scorers.empty())
        throw std::runtime_error("profile " + name + " names no scorer");
    return t;
}

const ProfileTarget* profileOf(const fraud::CommandLine& cli) {
    if (cli.get("profile").empty())
        return nullptr;
    static std::map<std::string, ProfileTarget> resolved;
    const std::string& name = cli.get("profile");
    auto it = resolved.find(name);
    if (it == resolved.end())
        it = resolved.emplace(name, resolveProfile(name)).first;
    return &it->second;
}

}  // namespace

void addConnectionFlags(fraud::CommandLine& cli, const std::string& defaultDeadlineMs) {
    cli.option("profile", "",
               "a connection profile the console saved (or `local`, the cluster the console "
               "runs): its scorers, TLS settings, token and Prometheus; flags given too win")
        .option("endpoint", kDefaultEndpoint, "scorer address (host:port)")
        .option("token", "", "bearer token (else the profile's, else $FRAUDOPS_TOKEN)")
        .option("deadline-ms", defaultDeadlineMs, "deadline of each call")
        .flag("tls", "use TLS")
        .option("ca", "", "TLS: CA bundle that signed the scorer's certificate")
        .option("cert", "", "TLS: client certificate, if the scorer requires one")
        .option("key", "", "TLS: the client certificate's key");
}

std::vector<ScorerEndpoint> endpointsFrom(const fraud::CommandLine& cli) {
    const ProfileTarget* profile = profileOf(cli);
    ScorerEndpoint common = profile ? profile->base : ScorerEndpoint{};
    if (!cli.get("token").empty())
        common.bearerToken = cli.get("token");
    if (common.bearerToken.empty() && std::getenv("FRAUDOPS_TOKEN") != nullptr)
        common.bearerToken = std::getenv("FRAUDOPS_TOKEN");
    common.deadline = std::chrono::milliseconds(cli.integer("deadline-ms", 1, 3'600'000));
    common.tls = common.tls || cli.enabled("tls") || !cli.get("ca").empty();
    if (!cli.get("ca").empty())
        common.caFile = cli.get("ca");
    common.certFile = cli.get("cert");
    common.keyFile = cli.get("key");

    std::vector<std::string> addresses;
    if (profile && !cli.given("endpoint")) {
        addresses = profile->scorers;
    } else {
        const std::string& list = cli.get("endpoint");
        for (std::size_t start = 0; start <= list.size();) {
            const std::size_t comma = std::min(list.find(',', start), list.size());
            if (comma > start)
                addresses.push_back(list.substr(start, comma - start));
            start = comma + 1;
        }
    }
    std::vector<ScorerEndpoint> out;
    for (auto& a : addresses) {
        ScorerEndpoint e = common;
        e.address = std::move(a);
        out.push_back(std::move(e));
    }
    if (out.empty())
        throw std::runtime_error("--endpoint names no scorer");
    return out;
}

ScorerEndpoint endpointFrom(const fraud::CommandLine& cli) {
    return endpointsFrom(cli).front();
}

void addPrometheusFlags(fraud::CommandLine& cli) {
    cli.option("prometheus", kDefaultPrometheus,
               "the Prometheus that scrapes the scorers (else the profile's)")
        .option("job", kDefaultJob, "the Prometheus job of the scorers (else the profile's)");
}

std::string prometheusFrom(const fraud::CommandLine& cli) {
    const ProfileTarget* profile = profileOf(cli);
    if (profile && !cli.given("prometheus") && !profile->prometheus.empty())
        return profile->prometheus;
    return cli.get("prometheus");
}

std::string jobFrom(const fraud::CommandLine& cli) {
    const ProfileTarget* profile = profileOf(cli);
    if (profile && !cli.given("job") && !profile->job.empty())
        return profile->job;
    return cli.get("job");
}

}  // namespace fraudops

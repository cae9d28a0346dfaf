#pragma once

#include <QString>
#include <chrono>

namespace fraudops::test {

// Paths the build passes to tests through the environment (see tests/CMakeLists.txt).
QString scorerBinary();
QString trainerBinary();
QString fraudctlBinary();
QString loadgenBinary();  // fraud-loadgen, beside fraud-scorer
// A loopback port nothing listens on (the kernel's choice, released again): to listen on, or to
// be refused by.
int freeLoopbackPort();
// Registries trained once per test run by the `registries` CTest fixture.
QString transactionRegistry();  // built-in transaction schema: v1 stable, v2 (drifted) archived
QString vectorRegistry();       // the ULB card-fraud CSV: vector schema, v1 stable
QString dataDir();
QString rulesFile();  // resources/prometheus/rules.yml, as the local cluster loads it

// The pause between two polls of a condition, spent processing events.
void betweenPolls(std::chrono::milliseconds interval);

}  // namespace fraudops::test

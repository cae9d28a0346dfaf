#pragma once

#include <QString>

namespace fraudops::test {

// Paths the build passes to tests through the environment (see tests/CMakeLists.txt).
QString scorerBinary();
QString trainerBinary();
// Registries trained once per test run by the `registries` CTest fixture.
QString transactionRegistry();  // built-in transaction schema: v1 stable, v2 (drifted) archived
QString vectorRegistry();       // the ULB card-fraud CSV: vector schema, v1 stable
QString sharedDataDir();

}  // namespace fraudops::test

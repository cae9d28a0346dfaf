#pragma once

#include <string_view>

namespace fraud::registryWrite {

// The steps of every registry write, by name, so that a test can stop a writer at each one
// (tests/support/RegistryStopHook.cpp, linked only into test builds of writers, installs a
// hook that exits there, like a kill -9). The shipped scorer and fraud-train install none:
// reached() is then a load and a branch.
//
//   version:staged         a new version's files are written beside models/, not renamed in
//   version:renamed        the version is in models/
//   audit:half-written     half of the change's audit line is on disk (a torn line)
//   audit:appended         the whole audit line is on disk, rollout.json not yet replaced
//   rollout:tmp-written    the new rollout.json is written under a temporary name
//   rollout:renamed        the new rollout.json is in place
//   run:tmp-written        the new rollout-run.json is written under a temporary name
//   run:renamed            the new rollout-run.json is in place
//   lease:tmp-written      the new runner-lease.json is written under a temporary name
//   lease:renamed          the new runner-lease.json is in place
using Hook = void (*)(std::string_view step);

void setHook(Hook hook);
bool hooked();
void reached(std::string_view step);

}  // namespace fraud::registryWrite

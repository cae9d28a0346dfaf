#pragma once

namespace fraudops {

// fraudctl rollout start|status|approve|pause|resume|abort|promote|run, and fraudctl analyze:
// releases that follow a plan (backend/rollout), on the command line and in pipelines. Each
// returns the process's exit code.
int rolloutCommand(int argc, char** argv);
// Exit codes: 0 every gate passed, 1 a gate failed, 2 not enough data yet, 3 cannot evaluate.
int analyzeCommand(int argc, char** argv);

}  // namespace fraudops

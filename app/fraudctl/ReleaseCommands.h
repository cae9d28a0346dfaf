#pragma once

namespace fraudops {

// fraudctl status | models | audit | canary | promote | rollback | abort | watch: the Control
// API and live decisions on the command line. Each returns the process's exit code.
int releaseCommand(int argc, char** argv);
bool isReleaseCommand(const char* command);

}  // namespace fraudops

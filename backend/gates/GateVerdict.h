#pragma once

namespace fraudops::gates {

// What a release gate says: never "pass" for want of evidence.
enum class GateVerdict { Pass, Fail, NotEnoughData };

const char* verdictName(GateVerdict verdict);  // "pass", "fail", "not enough data"

// An interval for a parameter (a rate ratio, a share), valid at every look at once.
struct ConfidenceInterval {
    double lower = 0;
    double upper = 0;
};

// A gate's limit: the canary may be at most `tolerance` worse (one-sided), or neither worse
// nor better by more than it (two-sided: fewer declines can mean missed fraud).
enum class Sides { Worse, Both };

}  // namespace fraudops::gates

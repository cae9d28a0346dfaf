#pragma once

#include "common/Time.h"

namespace fraud {

// Maps the wall clock to the generator's simulated clock: the simulation starts at
// `simulatedStart` when the wall clock reads `wallStart`, and runs `compression` times
// faster. A live stream replays a population's days in hours this way while every card keeps
// the per-card rates (and so the velocity features) it had in training; starting the
// simulation in the past keeps its event times behind the wall clock for as long as
// (wallStart - simulatedStart) / (compression - 1).
class SimulatedClock {
public:
    SimulatedClock(EpochMillis simulatedStart, double compression, EpochMillis wallStart)
        : simulatedStart_(simulatedStart), compression_(compression), wallStart_(wallStart) {}

    EpochMillis simulatedAt(EpochMillis wall) const {
        return simulatedStart_ +
               static_cast<EpochMillis>(static_cast<double>(wall - wallStart_) * compression_);
    }
    // When, on the wall clock, the simulation reaches `simulated`.
    EpochMillis wallAt(EpochMillis simulated) const {
        return wallStart_ + static_cast<EpochMillis>(
                                static_cast<double>(simulated - simulatedStart_) / compression_);
    }
    double compression() const { return compression_; }

private:
    EpochMillis simulatedStart_;
    double compression_;
    EpochMillis wallStart_;
};

}  // namespace fraud

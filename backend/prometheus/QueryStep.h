#pragma once

#include <chrono>

namespace fraudops {

// The step of a range query: the range spread over at most one point per pixel column and
// at most kMaxPoints points, rounded up to a step people read easily (1 s, 2 s, 5 s, 10 s,
// 15 s, 30 s, 1 m, ... 1 d), never under `minimum` (the scrape interval: finer steps only
// repeat samples).
inline constexpr int kMaxPoints = 2000;
std::chrono::seconds chooseStep(std::chrono::seconds range, int plotWidthPixels,
                                std::chrono::seconds minimum = std::chrono::seconds(1));

}  // namespace fraudops

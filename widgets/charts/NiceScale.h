#pragma once

namespace fraudops {

// A value axis' range and ticks on round numbers (1, 2 or 5 times a power of ten), covering
// [low, high] with about `ticks` ticks: Heckbert's "nice numbers for graph labels". A pure
// function of its inputs, unlike QValueAxis::applyNiceNumbers, which starts from the axis'
// current tick count: the same data always gives the same axis, so an unchanged axis can be
// left alone (every range change re-lays out each series on the axis).
struct NiceScale {
    double min = 0;
    double max = 1;
    int ticks = 2;
    double step = 1;  // between ticks

    static NiceScale covering(double low, double high, int ticks = 5);
    bool operator==(const NiceScale&) const = default;
};

}  // namespace fraudops

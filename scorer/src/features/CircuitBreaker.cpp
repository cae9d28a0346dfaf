#include "features/CircuitBreaker.h"

namespace fraud {

bool CircuitBreaker::allow(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    switch (state_) {
        case State::Closed:
            return true;
        case State::Open:
            if (now - openedAt_ < openFor_)
                return false;
            state_ = State::HalfOpen;
            trialOut_ = true;
            return true;
        case State::HalfOpen:
            if (trialOut_)
                return false;
            trialOut_ = true;
            return true;
    }
    return false;
}

void CircuitBreaker::succeeded() {
    std::lock_guard lock(mutex_);
    state_ = State::Closed;
    consecutive_ = 0;
    trialOut_ = false;
}

void CircuitBreaker::failed(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    ++consecutive_;
    if (state_ == State::HalfOpen || consecutive_ >= threshold_) {
        state_ = State::Open;
        openedAt_ = now;
        trialOut_ = false;
    }
}

CircuitBreaker::State CircuitBreaker::state() const {
    std::lock_guard lock(mutex_);
    return state_;
}

}  // namespace fraud

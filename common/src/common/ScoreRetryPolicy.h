#pragma once

namespace fraud {

// The gRPC service config every client of the Scoring API uses (fraud-loadgen, the console):
// a Score that fails UNAVAILABLE (a replica going away between a health check and the call,
// a connection reset) is retried by gRPC itself, twice, after about 20 and 40 ms. Safe for
// Score only: the scorer's card history skips a transaction id it has already recorded, so a
// retried transaction does not count twice in its card's velocity features.
inline constexpr const char* kScoreRetryServiceConfig = R"({
  "methodConfig": [{
    "name": [{"service": "fraud.v1.Scoring", "method": "Score"}],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.02s",
      "maxBackoff": "0.2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})";

}  // namespace fraud

// The engine's entry points.
#pragma once

#include "attention/config.hpp"
#include "attention/error.hpp"
#include "attention/matrix.hpp"
#include "attention/trace.hpp"

namespace attention {

// Throws AttentionError naming the field and the sizes when the config cannot be run.
// Does no work beyond reading the config.
void validate(const Config& config);

// Validates, then computes every step. Throws AttentionError on a bad config.
Trace run(const Config& config);

// The engine's version (the package's semver string).
const char* version();

}  // namespace attention

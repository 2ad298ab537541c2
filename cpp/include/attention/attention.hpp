// The engine's entry points.
#pragma once

#include <string>
#include <vector>

#include "attention/config.hpp"
#include "attention/error.hpp"
#include "attention/matrix.hpp"
#include "attention/trace.hpp"

namespace attention {

// Throws AttentionError naming the field and the sizes when the config cannot be run
// within `limits`. Does no work beyond reading the config.
void validate(const Config& config, LimitProfile limits = LimitProfile::engine);

// Refuses any name that is not a field of the JSON config (kConfigFields), suggesting the
// field it was probably meant to be ("wQ": did you mean "wq"?).
void check_fields(const std::vector<std::string>& names);

// The config's options by name, as the JSON config spells them; anything else is refused
// with bad_config naming the field and listing the options.
ScaleKind scale_from(const std::string& name);  // "sqrt_dk", "none" (a number is ScaleKind::custom)
MaskKind mask_from(const std::string& name);    // "none", "causal" (a matrix is MaskKind::custom)
Positional positional_from(const std::string& name);
ScoreKind score_from(const std::string& name);

// A count such as heads, as a JSON number: a whole number of at least 1.
std::size_t count_from(double value, const char* field);

// Validates, then computes every step. Throws AttentionError on a bad config.
Trace run(const Config& config, LimitProfile limits = LimitProfile::engine);

// How many forward passes this process has run: a training step is one forward and one
// backward, and tests count them.
std::size_t forward_passes();

// The engine's version (the package's semver string).
const char* version();

}  // namespace attention

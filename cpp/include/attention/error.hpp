// The one error the engine reports: a code a program can branch on, the config field
// at fault, and a sentence a person understands.
#pragma once

#include <stdexcept>
#include <string>

namespace attention {

enum class ErrorCode { bad_config, shape_mismatch, non_finite, too_large };

const char* to_string(ErrorCode code);

class AttentionError : public std::runtime_error {
 public:
  AttentionError(ErrorCode code, std::string field, const std::string& message)
      : std::runtime_error(message), code_(code), field_(std::move(field)) {}
  ErrorCode code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  ErrorCode code_;
  std::string field_;
};

}  // namespace attention

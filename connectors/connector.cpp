#include "connectors/connector.hpp"

namespace syndicated::connectors {

const char* to_string(Recovery r) {
  switch (r) {
    case Recovery::kIdempotencyKey: return "idempotency-key";
    case Recovery::kDeterministicKey: return "deterministic-key";
    case Recovery::kLookup: return "lookup";
    case Recovery::kResend: return "resend (at least once)";
  }
  return "?";
}

const char* to_string(Outcome::Kind k) {
  switch (k) {
    case Outcome::Kind::kSent: return "sent";
    case Outcome::Kind::kNotFound: return "not-found";
    case Outcome::Kind::kTransient: return "transient";
    case Outcome::Kind::kPermanent: return "permanent";
    case Outcome::Kind::kStopAccount: return "stop-account";
  }
  return "?";
}

}  // namespace syndicated::connectors

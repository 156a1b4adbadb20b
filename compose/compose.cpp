// Placeholder until the compose room lands.
#include "compose/compose.hpp"

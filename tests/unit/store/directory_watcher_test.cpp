#include "store/directory_watcher.hpp"

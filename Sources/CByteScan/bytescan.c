// CByteScan is header-only (static inline functions Swift inlines); this file gives the target its one source.
#include "CByteScan.h"

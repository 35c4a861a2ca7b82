#ifndef TRADEWIND_CLMDB_SHIM_H
#define TRADEWIND_CLMDB_SHIM_H
#include <lmdb.h>
#endif

/* offload plugin SDK — everything a plugin needs, in one include. */
#pragma once

#include "abi.h"
#include "framework.h"
#include "host.h"
#include "plugin.h"
#include "provider.h"
